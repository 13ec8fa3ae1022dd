// The tracker proper: sessions, the page's context, emitting events, and the
// page lifecycle (tab switches, dwell, leaving) that drives delivery.
import { on } from './guard.js'
import { rid } from './ids.js'
import { watchIntent } from './intent.js'
import { createOutbox } from './outbox.js'
import { createOverlay } from './overlay.js'
import { allowedQuery, pageContext, pageStep } from './page.js'
import { touchSession, touchVisitor } from './session.js'
import { watchSignals } from './signals.js'
import { store } from './storage.js'
import { watchReviews } from './views.js'
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
  // What the store told us with cartcoach('page', {type, step, product, cart, ...}).
  let info = {}
  let page
  let step
  let enteredAt = Date.now()

  const product = () => ({ product_id: info.product?.id || document.documentElement.dataset.cartcoachProduct, price: info.product?.price })
  const cart = () => ({ cart_value: info.cart?.value, cart_items: info.cart?.items })

  function emit(type, props) {
    const e = allowed() && clean(type, props)
    if (!e) return
    e.id = rid()
    e.ts = Date.now()
    log(e.type, e)
    outbox.push({ c: { s: session().id, v: visitor.id, p: page }, e })
  }

  const ask = createOverlay({ cfg, emit, log, session, visitor: visitor.id, page: () => page })

  const leaveStep = () => step && emit('checkout_step_leave', { step, dwell_ms: Date.now() - enteredAt })

  function pageView() {
    leaveStep()
    page = pageContext(info, cfg)
    step = page.type == 'checkout' ? pageStep(info, page.path) : undefined
    enteredAt = Date.now()
    const s = session()
    store.set('s', { ...s, page: page.type, step })
    emit('page_view', { page_type: page.type, step, ...product(), ...(page.type == 'cart' && cart()), props: allowedQuery(cfg.queryAllow) })
    if (page.type == 'cart') emit('cart_view', cart())
    if (page.type == 'product' && s.page == 'cart') emit('cart_to_product', product())
    if (step) {
      emit('checkout_step_enter', { step })
      if (s.page == 'checkout' && step < s.step) ask('checkout_back')
    }
  }

  function run([cmd, x, y]) {
    if (cmd == 'track') emit(x, y)
    else if (cmd == 'purchase') emit('purchase', x)
    else if (cmd == 'overlay') ask(x)
    else if (cmd == 'page' && x) {
      info = { ...info, ...x }
      // A single-page store moving on (new page type or checkout step) is a new page view.
      if (page && ((x.type && x.type != page.type) || (x.step && +x.step != step))) pageView()
    }
  }

  early.forEach(run)
  pageView()

  const endReviews = watchReviews({ cfg, emit, product })
  watchSignals({ cfg, emit, product, cart })
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

  // Dwell on the cart counts visible time only: one cart_dwell per visible stretch.
  let visibleSince = Date.now()
  let hiddenAt = 0
  let leaving = false
  const endStretch = () => {
    if (page.type == 'cart' && visibleSince) emit('cart_dwell', { ...cart(), dwell_ms: Date.now() - visibleSince })
    visibleSince = 0
    endReviews()
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
