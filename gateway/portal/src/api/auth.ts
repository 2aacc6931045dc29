import { api } from './client'
import { clearSession, saveInfo, saveTokens, session, type SessionInfo, type Tokens } from './session'

export interface District {
  id: string
  name: string
  /** Whether the district's guest account is open now (the login page offers 游客入口 only then). */
  guest_open?: boolean
  guest_open_until?: string | null
}

export const GUEST_USERNAME = 'guest'

export function districts(): Promise<District[]> {
  return api<District[]>('identity/v1/tenants', { auth: false })
}

async function start(tokens: Tokens): Promise<SessionInfo> {
  saveTokens(tokens)
  const info = await api<SessionInfo>('identity/v1/auth/session')
  saveInfo(info)
  return info
}

export async function signIn(tenant: string, username: string, password: string): Promise<SessionInfo> {
  const tokens = await api<Tokens>('identity/v1/auth/login', {
    method: 'POST',
    body: { tenant, username, password },
    auth: false,
  })
  return start(tokens)
}

export async function changePassword(current: string, next: string): Promise<SessionInfo> {
  const tokens = await api<Tokens>('identity/v1/auth/password', {
    method: 'POST',
    body: { current_password: current, new_password: next },
  })
  return start(tokens)
}

export async function signOut(): Promise<void> {
  const refresh = session.tokens?.refresh_token
  clearSession()
  if (refresh) {
    await api('identity/v1/auth/logout', { method: 'POST', body: { refresh_token: refresh }, auth: false }).catch(
      () => undefined, // signed out here either way
    )
  }
}
