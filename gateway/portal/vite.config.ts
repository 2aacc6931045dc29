// The portal is built into dist/ and served by the gateway at `/`: hashed asset names
// under /assets/ (cached for a year), index.html and the service worker never cached.
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/** Vant's icon font, out of the stylesheet: Vant inlines it as a 34 KB base64 data URL (a
 * quarter of what every page must fetch before it renders, and base64 barely compresses)
 * with a fallback on at.alicdn.com, a host our Content-Security-Policy refuses. It becomes a
 * hashed file of our own, fetched only once an icon is drawn, cached for a year and kept
 * offline by the service worker like every asset. */
function vantIconFontAsFile(): Plugin {
  const INLINED = /src:url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)[^;}]*/
  const dir = resolve(__dirname, 'node_modules/.cache/vant-icon')
  return {
    name: 'vant-icon-font-as-file',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant\/es\/icon\/index\.css$/.test(id)) return null
      const found = INLINED.exec(code)
      if (!found) this.error('vant/es/icon/index.css no longer inlines its font: update this plugin')
      mkdirSync(dir, { recursive: true })
      writeFileSync(resolve(dir, 'vant-icon.woff2'), Buffer.from(found[1], 'base64'))
      const font = 'src:url("/node_modules/.cache/vant-icon/vant-icon.woff2") format("woff2")'
      // swap: the page never waits for the icons' font (Lighthouse's font-display audit)
      return { code: code.replace(found[0], font).replace('font-display:auto', 'font-display:swap'), map: null }
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [
    vantIconFontAsFile(),
    vue(),
    // Vant components are imported where a template uses them, with their CSS only.
    Components({ resolvers: [VantResolver()], dts: false }),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: null, // registered in main.ts, after the first render
      manifest: {
        name: '学不停 · 停课不停学',
        short_name: '学不停',
        description: '停课不停学：今日任务、教材、答题与提交',
        lang: 'zh-CN',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1989fa',
        icons: [
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The app shell opens offline; API answers are cached by the app itself (api/offline.ts).
        globPatterns: ['**/*.{js,css,html,svg,woff2}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/livez/, /^\/readyz/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  build: {
    target: 'es2020',
    assetsDir: 'assets',
    sourcemap: false,
    // .vite/manifest.json: which files each page needs (the budget test reads it; not served)
    manifest: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
})
