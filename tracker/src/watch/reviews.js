// Review reading: each stretch of at least minViewMs with the reviews on screen
// is one review_view, with how far down the section the shopper got (depth).
// The scorer counts a product's repeated views as rereads. A stretch starts
// when reviews come on screen (scrolled to, or their tab's panel shown) and
// when the shopper opens them again while they are already there.
import { on, safe } from '../guard.js'
import { label, TOPICS } from './text.js'
import { leftAt, observeLooks } from './views.js'

/** Review sections: the store's selectors, then sections headed "Reviews"/"Yorumlar". */
export function findReviews(selector, root = document) {
  const found = [...root.querySelectorAll(selector)]
  for (const h of root.querySelectorAll('h2,h3,h4,h5,[role=tab],.nav-link,.tabs a,.card-header')) {
    if (!TOPICS.reviews.test(label(h))) continue
    // A tab's panel, else the section the heading opens.
    const id = h.getAttribute('aria-controls') || (/^#[\w-]+$/.test(h.getAttribute('href') || '') && h.getAttribute('href').slice(1))
    const el = id ? root.getElementById?.(id) : !h.matches('[role=tab],.nav-link,.tabs a') && h.parentElement != root.body && h.parentElement
    if (el && !found.some((f) => f.contains(el) || el.contains(f))) found.push(el)
  }
  return found.filter((el, i) => !found.some((f, j) => j != i && f.contains(el) && f != el))
}

export function watchReviews({ cfg, selector, signal, product, ctx }) {
  const active = new Map()
  const depth = (el) => {
    const r = el.getBoundingClientRect()
    return Math.min(Math.max((innerHeight - r.top) / (r.height || 1), 0), 1)
  }
  // A rating panel (stars, "Current rating: 4.5") seen once is just there: on screen as
  // the page opens, or passed on the way to "Add to cart". Brought back into view, it is
  // looked at. Written reviews count from the first look.
  const looked = new Set()
  const start = (el) => {
    active.set(el, { t: Date.now(), d: depth(el), skip: /rating/.test(el.className) && !looked.has(el) })
    looked.add(el)
  }
  const end = (el, until = Date.now()) => {
    const v = active.get(el)
    active.delete(el)
    const dwell = v && until - v.t
    if (dwell >= cfg.minViewMs && !v.skip) signal('review_view', { ...product(), dwell_ms: dwell, depth: Math.round(Math.max(v.d, depth(el)) * 100) / 100 }, v.src || 'text', el)
  }
  const io = observeLooks(start, end, (el) => active.delete(el))
  const watched = new Set()
  const scan = () => findReviews(selector).forEach((el) => watched.has(el) || (watched.add(el), (ctx.found.matches.reviews ||= []).push('section ' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')), io.observe(el)))

  on(window, 'scroll', () => active.forEach((v, el) => (v.d = Math.max(v.d, depth(el)))), { passive: true })
  scan()
  // Stores render reviews late (tabs, lazy loading): look again now and then.
  setInterval(safe(scan), 1000)

  // The page is hidden: close the open stretches. The next scan observes them
  // anew, which reports what is on screen once the page is visible again.
  ctx.hide.push(() => active.forEach((v, el) => (end(el, leftAt(v.t)), io.forget(el), watched.delete(el))))
  return {
    /** Their tab was clicked while they were on screen: the last look ends, a new one starts. */
    reopened(panel) {
      const el = panel && [...watched].find((w) => w == panel || panel.contains(w) || w.contains(panel))
      if (el && active.has(el)) {
        end(el)
        start(el)
      }
    },
  }
}
