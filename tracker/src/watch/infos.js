// Information a theme shows in the page rather than behind a tab: "Expected
// shipping delivery", "Free returns", "Installments". Scrolling back to it is a
// look, as opening its tab would be: each stretch of at least minViewMs on
// screen counts, except one that begins when the page opens (it was just there).
import { safe } from '../guard.js'
import { leftAt, observeLooks } from './views.js'
import { OPENS } from './signals.js'
import { label, topicOf } from './text.js'

// Not the page's chrome, not a form (a "Shipping address" form is friction, not a look), not a tab panel (its opener counts).
const SKIP = 'header,nav,footer,form,details,[role=tabpanel],.tab-pane,.collapse,[aria-hidden=true]'

/** [section, topic] pairs: short headings or bold lines about delivery, returns, warranty, installments. */
export function findInfos(root = document) {
  const out = []
  for (const el of root.querySelectorAll('h2,h3,h4,h5,h6,strong,b,dt,th,legend,.card-header,.card-title')) {
    const text = label(el)
    const topic = text.length < 60 && topicOf(text)
    if (!topic || topic == 'reviews' || el.closest(SKIP)) continue
    const section = el.closest('.card,section,article,li,tr,[class*=info],[class*=box]') || el.parentElement
    if (!section.closest(SKIP) && !out.some(([s]) => s == section || s.contains(section) || section.contains(s))) out.push([section, topic])
  }
  return out
}

export function watchInfos({ cfg, signal, product, ctx }) {
  const topics = new Map()
  const since = new Map()
  // A look that begins as the page opens does not count (the information was just there).
  const io = observeLooks(
    (el, first) => since.set(el, first ? 0 : Date.now()),
    (el) => {
      const t = since.get(el)
      since.set(el, null)
      if (t && Date.now() - t >= cfg.minViewMs) signal(OPENS[topics.get(el)], product(), 'text', el)
    },
    (el) => since.set(el, null),
  )
  const scan = () => findInfos().forEach(([el, topic]) => topics.has(el) || (topics.set(el, topic), (ctx.found.matches[OPENS[topic]] ||= []).push('section ' + label(el).slice(0, 30)), io.observe(el)))
  scan()
  setInterval(safe(scan), 2000)
  // Leaving with the information on screen ends the look too.
  ctx.hide.push(() => since.forEach((t, el) => t && leftAt(t) - t >= cfg.minViewMs && (signal(OPENS[topics.get(el)], product(), 'text', el), since.set(el, null))))
}
