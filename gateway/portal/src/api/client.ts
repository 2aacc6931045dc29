// Every call goes to /api/... of the same origin. A refused access token is refreshed once
// (one refresh at a time, shared by concurrent calls); a problem answer becomes an ApiError
// whose `detail` is what the person reads.
import { currentLocale } from '../i18n'
import { session, saveTokens, clearSession, type Tokens } from './session'

export interface ProblemField {
  field: string
  message: string
  type?: string | null
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemField[] = [],
    readonly retryAfter: number | null = null,
  ) {
    super(detail || title)
  }
  get offline(): boolean {
    return this.status === 0
  }
}

export interface CallOptions {
  method?: string
  body?: unknown
  form?: FormData
  /** A file sent as the request body itself (uploads take the bytes, not a form). */
  raw?: Blob
  headers?: Record<string, string>
  auth?: boolean
}

let refreshing: Promise<boolean> | null = null

async function refresh(): Promise<boolean> {
  const token = session.tokens?.refresh_token
  if (!token) return false
  refreshing ??= (async () => {
    try {
      const answer = await fetch('/api/identity/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': currentLocale() },
        body: JSON.stringify({ refresh_token: token }),
      })
      if (!answer.ok) return false
      saveTokens((await answer.json()) as Tokens)
      return true
    } catch {
      return false
    } finally {
      refreshing = null
    }
  })()
  return refreshing
}

async function send(path: string, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': currentLocale(),
    ...options.headers,
  }
  let body: BodyInit | undefined
  if (options.form) body = options.form
  else if (options.raw) {
    headers['Content-Type'] = options.raw.type || 'application/octet-stream'
    body = options.raw
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  if (options.auth !== false && session.tokens) {
    headers.Authorization = `Bearer ${session.tokens.access_token}`
  }
  return fetch(`/api/${path}`, { method: options.method ?? 'GET', headers, body })
}

async function problem(answer: Response): Promise<ApiError> {
  const retry = Number(answer.headers.get('Retry-After')) || null
  try {
    const p = await answer.json()
    return new ApiError(answer.status, p.type ?? '', p.title ?? '', p.detail ?? '', p.errors ?? [], retry)
  } catch {
    return new ApiError(answer.status, '', answer.statusText, answer.statusText, [], retry)
  }
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  let answer: Response
  try {
    answer = await send(path, options)
    if (answer.status === 401 && options.auth !== false && (await refresh())) {
      answer = await send(path, options)
    }
  } catch {
    throw new ApiError(0, 'offline', 'offline', '')
  }
  if (answer.status === 401 && options.auth !== false) clearSession()
  if (!answer.ok) throw await problem(answer)
  return answer
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const answer = await call(path, options)
  if (answer.status === 204) return undefined as T
  return (await answer.json()) as T
}
