// The last answer of a read the pupil needs offline (today's tasks, ...) is kept on the
// device; when the network is gone the page shows it and says so.
import { api, ApiError } from './client'
import { session } from './session'

export interface Cached<T> {
  data: T
  offline: boolean
}

function key(path: string): string {
  return `xbt.cache:${session.info?.user_id ?? ''}:${path}`
}

export async function cachedRead<T>(path: string): Promise<Cached<T>> {
  try {
    const data = await api<T>(path)
    localStorage.setItem(key(path), JSON.stringify(data))
    return { data, offline: false }
  } catch (e) {
    const kept = localStorage.getItem(key(path))
    if (e instanceof ApiError && e.offline && kept !== null) {
      return { data: JSON.parse(kept) as T, offline: true }
    }
    throw e
  }
}
