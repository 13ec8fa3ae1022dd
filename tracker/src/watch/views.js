// When a section is being looked at. A look begins when any of it comes on
// screen and ends when it leaves. On a tall screen a section often never
// leaves, so a look also ends when the section drops out of the reading area
// (the upper three quarters of the window) and a new one begins when the
// shopper brings it back: rereading on a desktop window, looking at the
// shipping line again.
import { safe } from '../guard.js'

const STEPS = Array.from({ length: 21 }, (_, i) => i / 20)
// Most of it, or a good part of the reading area: being read. Almost none of it: scrolled away.
const high = (x) => x.intersectionRatio >= 0.8 || x.intersectionRect.height >= 0.3 * innerHeight
const low = (x) => x.intersectionRatio < 0.3 && x.intersectionRect.height < 0.1 * innerHeight

/** Call start(el, first) when a look begins (first: it was on screen when observed) and end(el) when it ends. */
export function observeLooks(start, end) {
  const state = new Map()
  const get = (el) => state.get(el) || state.set(el, { seen: false, on: false, high: false, away: false }).get(el)
  const screen = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const s = get(x.target)
    const first = !s.seen
    s.seen = true
    if (x.isIntersecting && !s.on) (s.on = true), (s.away = false), start(x.target, first)
    else if (!x.isIntersecting && s.on) (s.on = false), end(x.target)
  })))
  const reading = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const s = get(x.target)
    if (high(x) && !s.high) {
      // Back from the edge: the last look ends, a new one begins.
      if (s.on && s.away) end(x.target), start(x.target, false)
      s.high = true
      s.away = false
    } else if (low(x) && s.high) {
      s.high = false
      s.away = true
    } else if (low(x) && s.on) s.away = true
  })), { rootMargin: '0px 0px -25% 0px', threshold: STEPS })
  return {
    observe: (el) => (screen.observe(el), reading.observe(el)),
    forget: (el) => (screen.unobserve(el), reading.unobserve(el), state.delete(el)),
  }
}
