// Prints the snippet's raw, gzip and brotli sizes; exits 1 over budget, so CI
// fails before shoppers pay for the bytes. Every page view loads cartcoach.js
// and the page-understanding chunk (watch); the platform adapters load only on a
// recognised platform, the overlay UI only when an overlay is shown, the debug
// panel only with data-debug, identify and web push only when the store calls
// them; the service worker only in browsers that accepted notifications.
import { readFileSync } from 'node:fs'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const dist = (name) => new URL('dist/' + name, import.meta.url)
const manifest = JSON.parse(readFileSync(dist('manifest.json')))
const BUDGETS = { 'cartcoach.js': 5 * 1024, [manifest.watch]: 10 * 1024, [manifest.platform]: 2 * 1024, [manifest.ui]: 3 * 1024, [manifest.debug]: 1024, [manifest.contact]: 1024, 'cartcoach-sw.js': 512 }

let over = false
for (const [name, budget] of Object.entries(BUDGETS)) {
  const js = readFileSync(dist(name))
  const gzip = gzipSync(js, { level: 9 }).length
  const brotli = brotliCompressSync(js, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
  const verdict = gzip > budget ? `OVER BUDGET by ${gzip - budget} B` : 'ok'
  console.log(`${name}: ${js.length} B raw, ${gzip} B gzip, ${brotli} B brotli (budget ${budget} B gzip) ${verdict}`)
  over ||= gzip > budget
}
process.exit(over ? 1 : 0)
