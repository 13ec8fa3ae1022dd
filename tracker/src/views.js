// Review reading: each stretch of at least minViewMs with the reviews on screen
// is one review_view, with how far down the section the shopper got (depth).
// The scorer counts a product's repeated views as rereads.

import { on, safe } from './guard.js'

export function watchReviews({ cfg, emit, product }) {
  const active = new Map()
  const depth = (el) => {
    const r = el.getBoundingClientRect()
    return Math.min(Math.max((innerHeight - r.top) / (r.height || 1), 0), 1)
  }
  const start = (el) => active.set(el, { t: Date.now(), d: depth(el) })
  const end = (el) => {
    const v = active.get(el)
    active.delete(el)
    const dwell = v && Date.now() - v.t
    if (dwell >= cfg.minViewMs) emit('review_view', { ...product(), dwell_ms: dwell, depth: Math.round(Math.max(v.d, depth(el)) * 100) / 100 })
  }
  const io = new IntersectionObserver(safe((entries) => entries.forEach((x) => (x.isIntersecting ? start(x.target) : end(x.target)))))
  const scan = () => document.querySelectorAll(cfg.sel('reviews')).forEach((el) => io.observe(el))

  on(window, 'scroll', () => active.forEach((v, el) => (v.d = Math.max(v.d, depth(el)))), { passive: true })
  scan()
  // Stores render reviews late (tabs, lazy loading): look again now and then.
  setInterval(safe(scan), 1000)

  // The page is hidden: close the open stretches. The next scan observes them
  // anew, which reports what is on screen once the page is visible again.
  return () => active.forEach((v, el) => (end(el), io.unobserve(el)))
}
