// 大字模式 (the 2021 适老化 rules ask for adjustable text size): one class on <html>
// scales the page's and Vant's type, remembered on this device.
import { ref } from 'vue'

const KEY = 'xbt.largeText'
export const largeText = ref(localStorage.getItem(KEY) === '1')

export function applyTextSize(): void {
  document.documentElement.classList.toggle('large-text', largeText.value)
}

export function setLargeText(on: boolean): void {
  largeText.value = on
  localStorage.setItem(KEY, on ? '1' : '0')
  applyTextSize()
}
