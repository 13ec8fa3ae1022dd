// Asks the coach for an overlay at a trigger moment. The queue goes first, so
// the decision sees every event so far (the coupon focus two seconds ago
// included), and the request names the product and the cart's value. The UI
// lives in a chunk imported only when there is something to show.
import { safe } from './guard.js'
import { store } from './storage.js'

export function createOverlay({ cfg, emit, log, session, visitor, page, product, cart, outbox }) {
  let open = false
  const asked = {}

  /** Ask once per trigger per page; show at most one overlay per interval per session. */
  return function ask(trigger) {
    const s = session()
    if (open || asked[trigger] || !cfg.triggers.includes(trigger) || Date.now() - (s.ov || 0) < cfg.overlayEveryMs) return
    asked[trigger] = 1
    const sent = Date.now()
    // At most 400 ms for the queue (a round trip is tens of ms): a late overlay
    // is worse than one without the last events.
    Promise.race([outbox.flush(), new Promise((r) => setTimeout(r, 400))])
      .then(() => {
        const q = new URLSearchParams({ key: cfg.key, session: s.id, visitor, trigger, locale: (page().locale || 'en').slice(0, 2) })
        const p = product().product_id
        const v = cart().cart_value
        if (p) q.set('product', p)
        if (v >= 0 && v <= 1e9) q.set('cart', v)
        // How old the newest delivered event is: the server waits (briefly) for a profile that far along.
        q.set('age', Math.min(Date.now() - sent, 6e4))
        return fetch(cfg.api + '/v1/overlay?' + q, { credentials: 'omit', signal: AbortSignal.timeout(5000) })
      })
      .then((r) => (r.status == 200 ? r.json() : null))
      .then((d) => d?.title && !open && import(cfg.chunk('ui')).then(safe((ui) => {
        // Two triggers close together (an idle cart, then the pointer leaving) can both be
        // answered: the first to arrive shows, the other is dropped.
        if (open) return
        open = true
        store.set('s', { ...session(), ov: Date.now() })
        ui.show(d, emit, () => (open = false))
      })))
      .catch(log)
  }
}
