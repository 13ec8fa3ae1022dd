// When a section is being looked at: while it is in the reading area, the
// upper four fifths of the window (one peeking in at the bottom edge is not
// being read). A look begins when it enters that area and ends when it leaves;
// a tall section that never leaves it also ends a look when scrolled down to a
// sliver, and begins a new one when the shopper brings it back (rereading on a
// desktop window). A look counts once the section was read: most of it, or a
// good part of the reading area, was there.
import { on, safe } from '../guard.js'

// The shopper's last click: a page left by a click (a link, "Add to cart") stopped
// being read at that click, not when the next page's request came back.
let clicked
/** When a look that began at `t` and lasts until the page is left stopped being read. */
export const leftAt = (t) => (clicked > t ? clicked : Date.now())

const STEPS = Array.from({ length: 21 }, (_, i) => i / 20)
const high = (x) => x.intersectionRatio >= 0.8 || x.intersectionRect.height >= 0.15 * innerHeight
const low = (x) => x.intersectionRatio < 0.3 && x.intersectionRect.height < 0.05 * innerHeight

/**
 * Call start(el, first) when a look begins (first: as the page opened), end(el)
 * when a look that was read ends, and drop(el) when one ends unread: a peek the
 * shopper scrolled past, or that the layout pushed away, is no look. Leaving the
 * page during a peek still counts: callers end their open looks on hide.
 */
export function observeLooks(start, end, drop) {
  if (clicked == null) on(document, 'click', () => (clicked = Date.now()), true), (clicked = 0)
  const state = new Map()
  const io = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const el = x.target
    let s = state.get(el)
    const first = !s
    if (first) state.set(el, (s = { on: false, high: false, read: false, away: false }))
    if (!x.isIntersecting) {
      if (s.on) (s.read ? end : drop)(el)
      s.on = s.high = false
    } else if (!s.on) {
      Object.assign(s, { on: true, high: high(x), read: high(x), away: false })
      start(el, first)
    } else if (high(x) && !s.high) {
      // Back from a sliver after reading it: the last look ends, a new one begins.
      if (s.away && s.read) end(el), start(el, false)
      Object.assign(s, { high: true, read: true, away: false })
    } else if (low(x) && s.high) Object.assign(s, { high: false, away: true })
  })), { rootMargin: '0px 0px -20% 0px', threshold: STEPS })
  return {
    observe: (el) => io.observe(el),
    forget: (el) => (io.unobserve(el), state.delete(el)),
  }
}
