// Builds the snippet from src/ (minified, no runtime dependencies):
//   dist/cartcoach.js           the tag's script (IIFE), served at /cartcoach.js
//   dist/cartcoach-ui.HASH.js   the overlay UI (ES module), imported only when an overlay is shown
//   dist/manifest.json          content hashes, for immutable URLs
//   node build.mjs          write dist/
//   node build.mjs --check  fail if the committed dist/ is not what the source builds
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { build, transform } from 'esbuild'

const here = (p) => new URL(p, import.meta.url)
const pkg = JSON.parse(readFileSync(here('package.json')))
const hashOf = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12)
const common = { bundle: true, minify: true, target: ['chrome100', 'firefox100', 'safari15'], legalComments: 'none', write: false }

async function bundle(entry, options) {
  const result = await build({ ...common, entryPoints: [here(entry).pathname], ...options })
  return result.outputFiles[0].text
}

const css = (await transform(readFileSync(here('src/ui/overlay.css'), 'utf8'), { loader: 'css', minify: true })).code.trim()
const ui = await bundle('src/ui/show.js', { format: 'esm', define: { __OVERLAY_CSS__: JSON.stringify(css) } })
const uiFile = `cartcoach-ui.${hashOf(ui)}.js`
const js = await bundle('src/index.js', { format: 'iife', define: { __UI_FILE__: JSON.stringify(uiFile) }, banner: { js: `/* cartcoach ${pkg.version} */` } })
const manifest = JSON.stringify({ version: pkg.version, hash: hashOf(js), file: `cartcoach.${hashOf(js)}.js`, ui: uiFile }, null, 2) + '\n'
const outputs = { 'cartcoach.js': js, [uiFile]: ui, 'manifest.json': manifest }

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
  console.log(`dist/cartcoach.js ${js.length} B, dist/${uiFile} ${ui.length} B`)
}
