// The portal is built into dist/ and served by the gateway at `/`: hashed asset names
// under /assets/ (cached for a year), index.html and the service worker never cached.
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

export default defineConfig({
  base: '/',
  plugins: [
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
