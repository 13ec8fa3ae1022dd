// The page-understanding chunk, loaded by the core on every page: what the page
// is (type, platform, product, cart) and the signals it gives, most explicit
// source first: the store's own calls and data-cartcoach attributes (read by
// the core), a platform adapter, the data layer, schema.org, text and markup,
// the URL last (the core's fallback). See DETECTION.md beside this folder.
import { onError, safe } from '../guard.js'
import { guessType } from '../page.js'
import { watchDataLayer } from './datalayer.js'
import { GENERIC, watchNetwork } from './network.js'
import { watchInfos } from './infos.js'
import { cartFromMarkup, defined, productOnPage, stepFromPath, typeFromText } from './page.js'
import { sniff } from './platform.js'
import { watchReviews } from './reviews.js'
import { fromSchema } from './schema.js'
import { createSignal } from './signal.js'
import { SELECTORS, watchSignals } from './signals.js'

const ready = () => new Promise((r) => (document.readyState == 'loading' ? document.addEventListener('DOMContentLoaded', r) : r()))

export async function watch(ctx) {
  const { cfg, log } = ctx
  // This chunk's own guard: its swallowed errors show in the console with data-debug, as the core's do.
  onError(log)
  await ready()
  const found = ctx.found
  const platform = sniff()
  let adapter = {}
  if (platform) {
    found.platform = platform
    adapter = (await import(cfg.chunk('platform')).catch(log))?.ADAPTERS[platform] || {}
  }
  const signal = createSignal(ctx)

  // Each detector's view of the page, most explicit first; the first that knows wins, field by field.
  const dl = {}
  watchDataLayer(dl, signal)
  const views = [[safe(adapter.page || (() => ({})))() || {}, platform], [dl, 'datalayer'], [fromSchema(), 'schema'], [{ type: typeFromText() }, 'text']]
  for (const [v, src] of views) {
    if (v.type && !found.type) Object.assign(found, { type: v.type, src })
    if (v.step && !found.step) found.step = v.step
    if (v.currency && !found.currency) found.currency = v.currency
    const p = defined(v.product)
    if (p.id || p.price) found.product = { ...p, ...defined(found.product) }
    if (defined(v.cart).value != null && !found.cart) found.cart = defined(v.cart)
  }
  // What the page shows when nothing more explicit said it.
  const type = () => ctx.info().type || document.documentElement.dataset.cartcoachPage || found.type || guessType(location.pathname)
  if (type() == 'checkout' && !found.step) found.step = stepFromPath(location.pathname)
  if (type() == 'product') found.product = productOnPage(found.product)
  const refreshCart = () => {
    if (adapter.cart) adapter.cart().then((c) => (found.cart = c)).catch(log)
    else if (type() == 'cart' && !ctx.info().cart) found.cart = { ...found.cart, ...defined(cartFromMarkup()) }
  }
  refreshCart()

  watchNetwork(adapter.add ? adapter : GENERIC, platform || 'markup', signal, refreshCart)
  const reviews = watchReviews({ cfg, selector: '[data-cartcoach="reviews"],' + (cfg.selectors?.reviews || SELECTORS.reviews), signal, product: ctx.product, ctx })
  watchInfos({ cfg, signal, product: ctx.product, ctx })
  watchSignals({ cfg, signal, product: ctx.product, cart: ctx.cart, page: () => ctx.page() || {}, reviews })
  if (cfg.debug) import(cfg.chunk('debug')).then((m) => m.panel(ctx)).catch(log)
}
