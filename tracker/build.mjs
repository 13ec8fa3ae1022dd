// Builds the snippet from src/ (minified, no runtime dependencies):
//   dist/cartcoach.js                 the tag's script (IIFE), served at /cartcoach.js: the core
//   dist/cartcoach-watch.HASH.js      page understanding and signals (ES module), loaded by every page
//   dist/cartcoach-platform.HASH.js   platform adapters, loaded only where a platform is recognised
//   dist/cartcoach-ui.HASH.js         the overlay UI, imported only when an overlay is shown
//   dist/cartcoach-debug.HASH.js      the data-debug panel, only with data-debug on the tag
//   dist/cartcoach-contact.HASH.js    identify and web push, only when the store calls them
//   dist/cartcoach-sw.js              the push service worker a store hosts at its own origin
//   dist/manifest.json                content hashes, for immutable URLs
//   node build.mjs          write dist/
//   node build.mjs --check  fail if the committed dist/ is not what the source builds
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { build, transform } from 'esbuild'
import { minify } from 'terser'

const here = (p) => new URL(p, import.meta.url)
const pkg = JSON.parse(readFileSync(here('package.json')))
const hashOf = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12)
const common = { bundle: true, minify: true, target: ['chrome100', 'firefox100', 'safari15'], legalComments: 'none', write: false }

// esbuild bundles and minifies; terser then squeezes what esbuild leaves (two compress passes):
// about 4 % fewer gzip bytes on every page (399 B of the watch chunk, 129 B of the core).
async function bundle(entry, options) {
  const result = await build({ ...common, entryPoints: [here(entry).pathname], ...options })
  const squeezed = await minify(result.outputFiles[0].text, { module: options.format == 'esm', compress: { passes: 2 } })
  return (options.banner ? options.banner.js + '\n' : '') + squeezed.code + '\n'
}

const css = (await transform(readFileSync(here('src/ui/overlay.css'), 'utf8'), { loader: 'css', minify: true })).code.trim()
const sources = {
  ui: await bundle('src/ui/show.js', { format: 'esm', define: { __OVERLAY_CSS__: JSON.stringify(css) } }),
  watch: await bundle('src/watch/index.js', { format: 'esm' }),
  platform: await bundle('src/platforms/adapters.js', { format: 'esm' }),
  debug: await bundle('src/debug/panel.js', { format: 'esm' }),
  contact: await bundle('src/contact/index.js', { format: 'esm' }),
}
const chunks = Object.fromEntries(Object.entries(sources).map(([name, text]) => [name, `cartcoach-${name}.${hashOf(text)}.js`]))
const js = await bundle('src/index.js', { format: 'iife', define: { __CHUNKS__: JSON.stringify(chunks) }, banner: { js: `/* cartcoach ${pkg.version} */` } })
const manifest = JSON.stringify({ version: pkg.version, hash: hashOf(js), file: `cartcoach.${hashOf(js)}.js`, ...chunks }, null, 2) + '\n'
// The service worker keeps one name: the store hosts it at its own origin (docs/tracker.md).
const sw = await bundle('src/sw.js', { format: 'iife' })
const outputs = { 'cartcoach.js': js, 'cartcoach-sw.js': sw, 'manifest.json': manifest, ...Object.fromEntries(Object.entries(chunks).map(([name, file]) => [file, sources[name]])) }

mkdirSync(here('dist'), { recursive: true })
const existing = readdirSync(here('dist'))
if (process.argv.includes('--check')) {
  const stale = Object.keys(outputs).filter((name) => !existing.includes(name) || readFileSync(here('dist/' + name), 'utf8') != outputs[name])
  if (stale.length) {
    console.error(`tracker/dist is out of date (${stale.join(', ')}): run \`node build.mjs\` in tracker/ and commit dist/`)
    process.exit(1)
  }
  console.log('tracker/dist is up to date')
} else {
  for (const name of existing) if (!(name in outputs)) rmSync(here('dist/' + name))
  for (const [name, text] of Object.entries(outputs)) writeFileSync(here('dist/' + name), text)
  console.log(Object.entries(outputs).map(([name, text]) => `dist/${name} ${text.length} B`).join('\n'))
}
