// When a section is being looked at. A look begins when the section enters the
// reading area, the upper four fifths of the window (one peeking in at the
// bottom edge is not being read), and ends when it leaves the screen. On a
// tall window a section often never leaves, so a look also ends when it is
// scrolled out of the reading area, down to a sliver, and a new one begins
// when the shopper brings it back (rereading on a desktop window).
import { safe } from '../guard.js'

const STEPS = Array.from({ length: 21 }, (_, i) => i / 20)
// In the reading area: most of it, or a good part of the area. Almost none of it: scrolled away.
const high = (x) => x.intersectionRatio >= 0.8 || x.intersectionRect.height >= 0.3 * innerHeight
const low = (x) => x.intersectionRatio < 0.3 && x.intersectionRect.height < 0.1 * innerHeight

/**
 * Call start(el, first) when a look begins (first: as the page opened), end(el)
 * when it ends, and drop(el) when it ends without having been read: a peek the
 * shopper scrolled past (or a layout change pushed away) is no look. Leaving the
 * page during a peek still counts: the caller ends open looks on hide itself.
 */
export function observeLooks(start, end, drop) {
  const state = new Map()
  const get = (el) => state.get(el) || state.set(el, { seen: false, on: false, high: false, read: false, away: false }).get(el)
  const reading = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const el = x.target
    const s = get(el)
    const first = !s.seen
    s.seen = true
    if (x.isIntersecting && !s.on) {
      Object.assign(s, { on: true, high: high(x), read: high(x), away: false })
      start(el, first)
    } else if (s.on && high(x) && !s.high) {
      // Back from the edge after reading it: the last look ends, a new one begins.
      // (A look that never got past a peek simply goes on.)
      if (s.away && s.read) end(el), start(el, false)
      Object.assign(s, { high: true, read: true, away: false })
    } else if (s.on && low(x)) Object.assign(s, { high: false, away: true })
  })), { rootMargin: '0px 0px -20% 0px', threshold: STEPS })
  const screen = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const s = get(x.target)
    if (!x.isIntersecting && s.on) (s.on = s.high = false), (s.read ? end : drop)(x.target)
  })))
  return {
    observe: (el) => (reading.observe(el), screen.observe(el)),
    forget: (el) => (reading.unobserve(el), screen.unobserve(el), state.delete(el)),
  }
}
