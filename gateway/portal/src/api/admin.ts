import { api, call } from './client'

export interface RowError {
  row: number
  sheet: string | null
  reasons: string[]
  values: Record<string, string | null>
}

export interface ImportResult {
  import_id: string
  format: 'csv' | 'xlsx' | 'oneroster'
  counts: { rows: number; created: number; existing: number; moved: number; rejected: number; classes_created: number }
  errors: RowError[]
  accounts: { row: number; name: string; username: string; class_id: string }[]
  credentials_expire_at: string
}

export function importRoster(file: File): Promise<ImportResult> {
  const form = new FormData()
  form.append('file', file)
  return api<ImportResult>('identity/v1/rosters', { method: 'POST', form })
}

/** Download a file that needs the bearer token (an <a href> cannot send it). */
export async function download(path: string, filename: string): Promise<void> {
  const answer = await call(path)
  const url = URL.createObjectURL(await answer.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
