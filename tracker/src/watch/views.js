// When a section is being looked at. A look begins when any of it comes on
// screen and ends when it leaves; on a tall screen a section often never fully
// leaves, so a look also ends when the shopper scrolls it down to a sliver, and
// a new one begins when they bring it back (a reread on a desktop window).
import { safe } from '../guard.js'

const STEPS = Array.from({ length: 21 }, (_, i) => i / 20)
// Most of it, or a good part of the window: really in view. A sliver: scrolled away.
const high = (x) => x.intersectionRatio >= 0.9 || x.intersectionRect.height >= 0.35 * innerHeight
const low = (x) => x.intersectionRatio < 0.5 && x.intersectionRect.height < 0.15 * innerHeight

/** Call start(el, first) when a look begins (first: it was on screen when observed) and end(el) when it ends. */
export function observeLooks(start, end) {
  const state = new Map()
  const io = new IntersectionObserver(safe((entries) => entries.forEach((x) => {
    const el = x.target
    const s = state.get(el)
    if (!s) {
      // The first report: what is on screen as the page opens.
      state.set(el, { on: x.isIntersecting, high: x.isIntersecting && high(x), away: false })
      return x.isIntersecting && start(el, true)
    }
    if (!x.isIntersecting) {
      if (s.on) end(el)
      Object.assign(s, { on: false, high: false, away: true })
    } else if (!s.on) {
      Object.assign(s, { on: true, high: high(x), away: false })
      start(el, false)
    } else if (high(x) && !s.high) {
      // Back from a sliver to most of it: the last look ends, a new one begins.
      if (s.away) end(el), start(el, false)
      Object.assign(s, { high: true, away: false })
    } else if (low(x) && s.high) {
      Object.assign(s, { high: false, away: true })
    }
  })), { threshold: STEPS })
  return {
    observe: (el) => io.observe(el),
    forget: (el) => (io.unobserve(el), state.delete(el)),
  }
}
