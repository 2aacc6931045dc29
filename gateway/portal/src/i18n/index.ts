// Simplified Chinese by default; English on the toggle (kept in localStorage).
import { createI18n } from 'vue-i18n'
import en from './en'
import zh from './zh-CN'

export type Locale = 'zh-CN' | 'en'
const KEY = 'xbt.locale'

function initial(): Locale {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
})

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}
