// Asks the coach for an overlay at a trigger moment. The UI lives in a second
// chunk, imported only when there is something to show: most page views never
// need it, so they do not pay for its bytes.
import { safe } from './guard.js'
import { store } from './storage.js'

export function createOverlay({ cfg, emit, log, session, visitor, page }) {
  let open = false
  const asked = {}

  /** Ask once per trigger per page; show at most one overlay per interval per session. */
  return function ask(trigger) {
    const s = session()
    if (open || asked[trigger] || !cfg.triggers.includes(trigger) || Date.now() - (s.ov || 0) < cfg.overlayEveryMs) return
    asked[trigger] = 1
    const q = new URLSearchParams({ key: cfg.key, session: s.id, visitor, trigger, locale: (page().locale || 'en').slice(0, 2) })
    fetch(cfg.api + '/v1/overlay?' + q, { credentials: 'omit', signal: AbortSignal.timeout(5000) })
      .then((r) => (r.status == 200 ? r.json() : null))
      .then((d) => d?.title && !open && import(cfg.ui).then(safe((ui) => {
        open = true
        store.set('s', { ...session(), ov: Date.now() })
        ui.show(d, emit, () => (open = false))
      })))
      .catch(log)
  }
}
