import { ApiError } from './client'
import { i18n } from '../i18n'

/** What a person reads for a failed call: the problem's own detail, or why it could not be sent. */
export function readable(error: unknown): string {
  const t = i18n.global.t
  if (error instanceof ApiError) {
    if (error.offline) return t('error.offline')
    const fields = error.errors.map((f) => f.message).join('；')
    return fields || error.detail || error.title || t('error.generic')
  }
  return t('error.generic')
}
