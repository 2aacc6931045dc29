import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { startOutbox } from './api/outbox'
import { applyTextSize } from './textSize'
import './styles.css'

applyTextSize()
document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).mount('#app')
startOutbox() // what was written offline goes out when the network is back

// The service worker (app shell offline) registers after the first render, off its path.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }))
  })
}
