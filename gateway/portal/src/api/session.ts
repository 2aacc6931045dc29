// Who is signed in. Tokens live in localStorage so the installed app reopens signed in,
// offline too; the session (roles, name) is kept beside them for the same reason.
import { reactive } from 'vue'

export interface Tokens {
  access_token: string
  refresh_token: string
  expires_in: number
}

export interface SessionInfo {
  user_id: string
  tenant: string
  roles: string[]
  name?: string | null
  school?: string | null
  classes: string[]
  must_change_password: boolean
  expires_at: number
}

const KEY = 'xbt.session'

interface Stored {
  tokens: Tokens | null
  info: SessionInfo | null
}

function load(): Stored {
  try {
    const raw = localStorage.getItem(KEY)
    if (raw) return JSON.parse(raw) as Stored
  } catch {
    /* a broken entry is a signed-out browser */
  }
  return { tokens: null, info: null }
}

export const session = reactive<Stored>(load())

function store(): void {
  localStorage.setItem(KEY, JSON.stringify({ tokens: session.tokens, info: session.info }))
}

export function saveTokens(tokens: Tokens): void {
  session.tokens = tokens
  store()
}

export function saveInfo(info: SessionInfo): void {
  session.info = info
  store()
}

export function clearSession(): void {
  session.tokens = null
  session.info = null
  localStorage.removeItem(KEY)
}

export type Role = 'student' | 'teacher' | 'researcher' | 'support' | 'school_admin' | 'district_admin' | 'city_admin' | 'guest'

export function hasRole(...roles: Role[]): boolean {
  return roles.some((r) => session.info?.roles.includes(r))
}

export function isSignedIn(): boolean {
  return session.tokens !== null && session.info !== null
}
