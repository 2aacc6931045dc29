// Lighthouse on the portal, mobile profile with Lighthouse's default (simulated) throttling:
// the login page and the pupil's home (signed in as the demo pupil). Prints a table of the
// performance and accessibility scores and the JavaScript + CSS transferred, against the
// targets; writes each JSON report under var/lighthouse/. A missed target is printed, never
// an exit code: this is a measurement, not a test.
//
//   node tests/bench/lighthouse/run.mjs [--gateway http://127.0.0.1:8000]
//
// The gateway must be up (`make run`); nothing is started here. One sign-in per run (the
// gateway's login rate limit): the tokens and the session go into the origin's localStorage
// (`xbt.session`, as the portal keeps them) and the home page is measured with Lighthouse's
// storage reset off; the HTTP cache, the service worker and its caches are cleared first
// by hand, so the home page loads cold like the login page.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import puppeteer from 'puppeteer-core'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const OUT = join(ROOT, 'var', 'lighthouse')
const KB = 1024
const TARGETS = { performance: 90, accessibility: 95 }
const FIRST_PAGES_BUDGET = 150 * KB // the login page and the pupil's home, gzip JS + CSS
// No page over 300 KB: tests/browser/test_budget.py holds every page to it from the built files.
const PUPIL = { tenant: 'heping', username: 'student1', password: 'xbt-demo-2020' }

function option(name, fallback) {
  const at = process.argv.indexOf(name)
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback
}

const GATEWAY = option('--gateway', process.env.XBT_GATEWAY_URL || 'http://127.0.0.1:8000').replace(/\/$/, '')
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium'

async function up() {
  try {
    return (await fetch(`${GATEWAY}/login`)).ok
  } catch {
    return false
  }
}

async function json(path, init) {
  const answer = await fetch(`${GATEWAY}/api/${path}`, init)
  if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`)
  return answer.json()
}

async function signIn() {
  const tokens = await json('identity/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(PUPIL),
  })
  const info = await json('identity/v1/auth/session', {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
  if (info.must_change_password) throw new Error(`${PUPIL.username} must change the password first`)
  return { tokens, info }
}

// The origin's state but its localStorage: a cold load, still signed in.
async function coldButSignedIn(browser, stored) {
  const page = await browser.newPage()
  // A same-origin file with no script: the portal's service worker is not registered here.
  await page.goto(`${GATEWAY}/manifest.webmanifest`)
  const cdp = await page.createCDPSession()
  await cdp.send('Storage.clearDataForOrigin', {
    origin: new URL(GATEWAY).origin,
    storageTypes: 'service_workers,cache_storage,indexeddb,websql,file_systems,shader_cache',
  })
  await cdp.send('Network.clearBrowserCache')
  await page.evaluate((value) => localStorage.setItem('xbt.session', value), JSON.stringify(stored))
  await page.close()
}

function transferred(lhr) {
  const requests = lhr.audits['network-requests']?.details?.items ?? []
  let js = 0
  let css = 0
  let all = 0
  for (const r of requests) {
    const size = r.transferSize || 0
    all += size
    if (r.resourceType === 'Script') js += size
    else if (r.resourceType === 'Stylesheet') css += size
  }
  return { js, css, all }
}

// What costs a category points: its audits below full score, by weight (performance: the
// metrics) or, for opportunities, by the time they would save.
function costs(lhr, category) {
  const out = []
  for (const ref of lhr.categories[category].auditRefs) {
    const audit = lhr.audits[ref.id]
    if (audit.score === null || audit.score >= 1 || audit.scoreDisplayMode === 'notApplicable') continue
    if (ref.weight > 0) {
      out.push(`${ref.id} (${audit.displayValue ?? ''} score ${audit.score}, weight ${ref.weight})`.replace('( ', '('))
    } else if (audit.details?.overallSavingsMs > 0) {
      out.push(`${ref.id} (saves ~${Math.round(audit.details.overallSavingsMs)} ms)`)
    }
  }
  return out
}

const kb = (n) => `${(n / KB).toFixed(1)} KB`

async function audit(port, name, url, disableStorageReset) {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility'],
    formFactor: 'mobile',
    disableStorageReset,
  })
  const lhr = result.lhr
  if (lhr.runtimeError) throw new Error(`${name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(OUT, `${name}-${stamp}.json`)
  writeFileSync(file, result.report)
  writeFileSync(join(OUT, `${name}-latest.json`), result.report)
  return { name, url, lhr, file }
}

async function main() {
  if (!(await up())) {
    console.log(`lighthouse: the gateway does not answer at ${GATEWAY}: start the suite with \`make run\``)
    console.log('  (in another terminal), then run `make bench-portal` again. Nothing measured.')
    return 0
  }
  mkdirSync(OUT, { recursive: true })
  const chrome = await chromeLauncher.launch({
    chromePath: CHROME,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--lang=zh-CN'],
  })
  const runs = []
  try {
    runs.push(await audit(chrome.port, 'login', `${GATEWAY}/login`, false))
    const stored = await signIn()
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` })
    await coldButSignedIn(browser, stored)
    await browser.disconnect()
    const home = await audit(chrome.port, 'home', `${GATEWAY}/`, true)
    if (home.lhr.finalDisplayedUrl.replace(/\/$/, '') !== GATEWAY) {
      throw new Error(`the pupil's home ended at ${home.lhr.finalDisplayedUrl}: the session was not kept`)
    }
    runs.push(home)
  } finally {
    await chrome.kill()
  }

  console.log(`\nLighthouse ${runs[0].lhr.lighthouseVersion}, ${runs[0].lhr.environment.hostUserAgent.match(/Chrome\/[\d.]+/)?.[0]}, mobile, simulated throttling (${GATEWAY})`)
  console.log('page   perf  a11y  JS+CSS transferred (JS / CSS)   all bytes   targets (perf ≥ 90, a11y ≥ 95, JS+CSS ≤ 150 KB)')
  console.log("       (CPU index: Lighthouse's benchmarkIndex of the machine during the run; lower = busier or slower)")
  const summary = []
  for (const { name, lhr, file } of runs) {
    const perf = Math.round(lhr.categories.performance.score * 100)
    const a11y = Math.round(lhr.categories.accessibility.score * 100)
    const t = transferred(lhr)
    const misses = []
    if (perf < TARGETS.performance) misses.push(`performance ${perf} < ${TARGETS.performance}`)
    if (a11y < TARGETS.accessibility) misses.push(`accessibility ${a11y} < ${TARGETS.accessibility}`)
    if (t.js + t.css > FIRST_PAGES_BUDGET) misses.push(`JS+CSS ${kb(t.js + t.css)} > ${kb(FIRST_PAGES_BUDGET)}`)
    const met = misses.length === 0 ? 'met' : `MISSED: ${misses.join('; ')}`
    console.log(
      `${name.padEnd(6)} ${String(perf).padStart(4)}  ${String(a11y).padStart(4)}  ` +
        `${kb(t.js + t.css).padStart(9)} (${kb(t.js)} / ${kb(t.css)})`.padEnd(32) +
        `${kb(t.all).padStart(10)}   ${met}`,
    )
    const metrics = Object.fromEntries(
      ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index'].map(
        (id) => [id, lhr.audits[id].displayValue],
      ),
    )
    const cpu = Math.round(lhr.environment.benchmarkIndex)
    console.log(`       CPU index ${cpu}; ${Object.entries(metrics).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    for (const category of ['performance', 'accessibility']) {
      const lost = costs(lhr, category)
      if (lost.length) console.log(`       ${category} loses on: ${lost.slice(0, 6).join('; ')}`)
    }
    console.log(`       report: ${file.slice(ROOT.length + 1)}`)
    summary.push({ page: name, performance: perf, accessibility: a11y, transferred: t, metrics, benchmarkIndex: cpu, met: misses.length === 0, misses })
  }
  writeFileSync(join(OUT, 'summary-latest.json'), JSON.stringify({ gateway: GATEWAY, at: new Date().toISOString(), pages: summary }, null, 1))
  return 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`lighthouse: ${error.stack || error}`)
    process.exit(1)
  },
)
