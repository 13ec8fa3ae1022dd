// The tracker proper: sessions, the page's context, emitting events, and the
// page lifecycle (tab switches, dwell, leaving) that drives delivery. What the
// page is and which signals it gives are found by the page-understanding chunk
// (src/watch/), loaded next to this file; without it the URL decides.
import { after, on } from './guard.js'
import { rid } from './ids.js'
import { watchIntent } from './intent.js'
import { createOutbox } from './outbox.js'
import { createOverlay } from './overlay.js'
import { allowedQuery, pageContext, pageStep } from './page.js'
import { touchSession, touchVisitor } from './session.js'
import { store } from './storage.js'
import { clean } from './wire.js'

const ENGAGED = ['product', 'cart', 'checkout']

export function start(cfg, log, allowed, early) {
  const outbox = createOutbox({ store, url: cfg.api + '/v1/collect', key: cfg.key, cfg, log, allowed })
  const visitor = touchVisitor(store.get('v'), Date.now(), rid)
  store.set('v', visitor)
  const session = () => {
    const s = touchSession(store.get('s'), Date.now(), rid)
    store.set('s', s)
    return s
  }
  const html = document.documentElement.dataset
  // What the store told us with cartcoach('page', {type, step, product, cart, ...}).
  let info = {}
  let page
  let step
  let enteredAt = Date.now()
  // Events before the first page view wait for it (they need its context).
  const held = []

  // The store's word first, then the page's attributes, then what the detectors found.
  const product = () => {
    const p = info.product || {}
    const f = ctx.found.product || {}
    const id = p.id || html.cartcoachProduct
    return { product_id: id || f.id, price: id ? p.price : f.price }
  }
  const cart = () => {
    const c = info.cart || ctx.found.cart || {}
    return { cart_value: c.value, cart_items: c.items }
  }

  function emit(type, props, src) {
    if (!page) return held.push([type, props, src])
    const e = allowed() && clean(type, { ...props, src })
    if (!e) return
    e.id = rid()
    e.ts = Date.now()
    log(e.type, e)
    outbox.push({ c: { s: session().id, v: visitor.id, p: page }, e })
  }

  const ask = createOverlay({ cfg, emit, log, session, visitor: visitor.id, page: () => page, product, cart, outbox })
  // What the page-understanding chunk gets, and fills in (found) and hooks into (hide).
  const ctx = { cfg, log, emit, ask, product, cart, outbox, session, visitor: visitor.id, page: () => page, info: () => info, found: { matches: {} }, hide: [] }

  const leaveStep = () => step && emit('checkout_step_leave', { step, dwell_ms: Date.now() - enteredAt })

  function pageView() {
    leaveStep()
    page = pageContext(info, cfg, ctx.found)
    step = page.type == 'checkout' ? pageStep(info, page.path, ctx.found) : undefined
    enteredAt = Date.now()
    const s = session()
    store.set('s', { ...s, page: page.type, step })
    emit('page_view', { page_type: page.type, step, ...product(), ...(page.type == 'cart' && cart()), props: allowedQuery(cfg.queryAllow) }, page.src)
    if (page.type == 'cart') emit('cart_view', cart(), page.src)
    if (page.type == 'product' && s.page == 'cart') emit('cart_to_product', product(), page.src)
    if (step) {
      emit('checkout_step_enter', { step }, page.src)
      if (s.page == 'checkout' && step < s.step) ask('checkout_back')
    }
  }

  function run([cmd, x, y]) {
    if (cmd == 'track') emit(x, y, 'api')
    else if (cmd == 'purchase') emit('purchase', x, 'api')
    else if (cmd == 'overlay') ask(x)
    // identify and web push live in a chunk; whether this call came from a click is known only now.
    else if (cmd == 'identify' || cmd == 'push') import(cfg.chunk('contact')).then((m) => m[cmd](ctx, x, navigator.userActivation?.isActive)).catch(log)
    else if (cmd == 'page' && x) {
      info = { ...info, ...x }
      // A single-page store moving on (new page type or checkout step) is a new page view.
      if (page && ((x.type && x.type != page.type) || (x.step && +x.step != step))) pageView()
    }
  }

  early.forEach(run)
  let begun = false
  const begin = () => {
    if (begun) return
    begun = true
    pageView()
    held.splice(0).forEach((a) => emit(...a))
    let exited = 0
    watchIntent({
      cfg,
      mobile: () => page.device != 'desktop',
      exit: () => {
        // Once per page: the pointer can cross the top edge many times on the way out.
        if (exited++) return
        emit('exit_intent', product())
        if (ENGAGED.includes(page.type)) ask('exit_intent')
      },
      idle: (ms) => {
        emit('idle', { dwell_ms: ms })
        if (page.type == 'cart') ask('cart_idle')
      },
    })
  }
  // A page the store typed is shown at once; otherwise the page view waits for the
  // detectors, but never long: a slow chunk leaves it to the URL.
  if (info.type || html.cartcoachPage) begin()
  import(cfg.chunk('watch'))
    .then((m) => m.watch(ctx))
    .catch(log)
    .finally(() => {
      begin()
      if (ctx.found.platform) page = { ...page, platform: ctx.found.platform }
    })
  after(3000, begin)

  // Dwell on the cart counts visible time only: one cart_dwell per visible stretch.
  let visibleSince = Date.now()
  let hiddenAt = 0
  let leaving = false
  const endStretch = () => {
    begin()
    if (page.type == 'cart' && visibleSince) emit('cart_dwell', { ...cart(), dwell_ms: Date.now() - visibleSince })
    visibleSince = 0
    ctx.hide.forEach((f) => f())
  }
  // On leaving, pagehide comes first, then visibilitychange: a navigation is not a tab switch.
  on(window, 'pagehide', () => {
    leaving = true
    endStretch()
    leaveStep()
    outbox.final()
  })
  on(document, 'visibilitychange', () => {
    if (document.hidden) {
      if (!leaving) {
        hiddenAt = Date.now()
        emit('tab_hidden')
        endStretch()
      }
      outbox.final()
    } else {
      if (hiddenAt) emit('tab_visible', { dwell_ms: Date.now() - hiddenAt })
      hiddenAt = 0
      visibleSince = Date.now()
    }
  })
  // Whatever earlier pages could not deliver goes first.
  outbox.send()
  return run
}
