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

// --- accounts (school, district and city admins) ---------------------------------------

export interface LoginState {
  recent_failures: number
  last_failure_at: string
  locked_until: string | null
}

export interface Account {
  id: string
  username: string
  name: string
  roles: string[]
  school_id: string | null
  class_ids: string[]
  student_no: string | null
  must_change_password: boolean
  disabled: boolean
  last_login_at?: string | null
  login?: LoginState | null
}

export interface AccountPage {
  items: Account[]
  total: number
  page: number
  size: number
}

export function listAccounts(query: { role?: string; q?: string; page: number; size: number }): Promise<AccountPage> {
  const params = new URLSearchParams({ page: String(query.page), size: String(query.size) })
  if (query.role) params.set('role', query.role)
  if (query.q) params.set('q', query.q)
  return api<AccountPage>(`identity/v1/users?${params}`)
}

export function resetPassword(id: string): Promise<{ user: Account; one_time_password: string }> {
  return api(`identity/v1/users/${encodeURIComponent(id)}/password-reset`, { method: 'POST' })
}

export function setDisabled(id: string, disabled: boolean): Promise<Account> {
  return api(`identity/v1/users/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`, { method: 'POST' })
}

export function unlock(id: string): Promise<Account> {
  return api(`identity/v1/users/${encodeURIComponent(id)}/unlock`, { method: 'POST' })
}

// --- the district's guest account (district admins) ------------------------------------

export interface GuestAccess {
  enabled: boolean
  valid_from: string | null
  valid_until: string | null
  username: string
  open_now: boolean
  password?: string | null
}

export function guestAccess(): Promise<GuestAccess> {
  return api<GuestAccess>('identity/v1/guest-access')
}

export function setGuestAccess(body: { enabled: boolean; valid_from?: string; valid_until?: string; password?: string }): Promise<GuestAccess> {
  return api<GuestAccess>('identity/v1/guest-access', { method: 'PUT', body })
}

// --- linked platforms: OIDC clients (city admins) ---------------------------------------

export interface Platform {
  client_id: string
  name: string
  description: string
  homepage_url: string | null
  redirect_uris: string[]
  client_type: 'confidential' | 'public'
  allowed_tenants: string[] | null
  created_at: string
  client_secret?: string | null
}

export function listPlatforms(): Promise<Platform[]> {
  return api<Platform[]>('identity/v1/oidc/clients')
}

export function registerPlatform(body: { name: string; homepage_url?: string; redirect_uris: string[]; client_type: 'confidential' | 'public' }): Promise<Platform> {
  return api<Platform>('identity/v1/oidc/clients', { method: 'POST', body })
}

export function removePlatform(id: string): Promise<void> {
  return api<void>(`identity/v1/oidc/clients/${encodeURIComponent(id)}`, { method: 'DELETE' })
}

// --- resources waiting for review (publishers: district admins, researchers, city) -----

export interface ReviewedResource {
  id: string
  title: string
  kind: string
  description: string
  subject: string | null
  grades: number[]
  status: string
  updated_at?: string
  created_by: string
}

export function reviewQueue(): Promise<{ items: ReviewedResource[]; total: number }> {
  return api('catalog/v1/workflow/resources?status=in_review&size=50')
}

export function moveResource(id: string, action: 'publish' | 'return'): Promise<ReviewedResource> {
  return api(`catalog/v1/resources/${encodeURIComponent(id)}/${action}`, { method: 'POST' })
}
