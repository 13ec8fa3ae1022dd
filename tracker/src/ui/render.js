// Builds the overlay's DOM from the server's JSON. Server text only ever
// becomes text nodes (append/textContent) or plain attributes we name; links
// are kept only when they stay on this store's origin.
import { safe } from '../guard.js'
import { ANSWERS } from '../wire.js'

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag)
  for (const k in attrs) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), safe(attrs[k]))
    else el.setAttribute(k, attrs[k])
  }
  el.append(...kids.filter((k) => k != null && k !== false))
  return el
}

const str = (v, n = 300) => (typeof v == 'string' ? v.slice(0, n) : '')
const list = (v, n) => (Array.isArray(v) ? v.slice(0, n) : [])

/** The href if it stays on this origin over http(s), else null. */
export function sameOrigin(href) {
  try {
    const u = new URL(href, location.href)
    return u.origin == location.origin && /^https?:$/.test(u.protocol) ? u.href : null
  } catch (e) {
    return null
  }
}

const clock = (ms) => [ms / 36e5, (ms / 6e4) % 60, (ms / 1e3) % 60].map((n) => String(Math.floor(n)).padStart(2, '0')).join(':')

function block(b, act, timers) {
  if (!b) return null
  if (b.type == 'reviews') {
    return h('ul', { class: 'rv' }, ...list(b.items, 3).map((r) => {
      const n = Math.min(Math.max(Math.round(+r.rating) || 0, 0), 5)
      return h('li', {}, h('span', { class: 'st', role: 'img', 'aria-label': n + '/5' }, '★'.repeat(n) + '☆'.repeat(5 - n)), h('q', {}, str(r.text)), h('cite', {}, str(r.author, 60)))
    }))
  }
  if (b.type == 'badges') return h('ul', { class: 'bd' }, ...list(b.items, 6).map((t) => h('li', {}, str(t, 60))))
  if (b.type == 'countdown') {
    // Only a real, future deadline is shown (honest urgency).
    const left = () => +b.ends_at - Date.now()
    if (!(left() > 0)) return null
    const out = h('time', {}, clock(left()))
    timers.push(setInterval(safe(() => (out.textContent = clock(Math.max(left(), 0)))), 1000))
    return h('p', { class: 'cd' }, str(b.label, 100) + ' ', out)
  }
  if (b.type == 'survey') {
    return h('fieldset', {}, h('legend', {}, str(b.question, 120)),
      ...list(b.options, 6).filter((o) => o && ANSWERS.includes(o.value)).map((o) => h('button', { type: 'button', 'data-answer': o.value, onclick: () => act('answer', o.value) }, str(o.label, 60))))
  }
  return null
}

/** The dialog for an overlay; act(kind, value) reports 'click', 'answer' and 'close'. */
export function render(d, act, timers) {
  const href = d.cta && sameOrigin(d.cta.href)
  const dismiss = str(d.dismiss_label, 60) || '×'
  return h('dialog', { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 't', 'aria-describedby': 'b', lang: str(d.locale, 5) },
    h('button', { class: 'x', type: 'button', 'aria-label': dismiss, onclick: () => act('close') }, '×'),
    // The text scrolls if the window is short; the actions below it always stay in view.
    h('div', { class: 'w' },
      h('h2', { id: 't' }, str(d.title, 120)),
      h('p', { id: 'b' }, str(d.body, 600)),
      ...list(d.blocks, 4).map((b) => block(b, act, timers))),
    h('div', { class: 'acts' },
      href && h('a', { class: 'cta', href, onclick: () => act('click') }, str(d.cta.label, 60)),
      h('button', { class: 'dm', type: 'button', onclick: () => act('close') }, dismiss)))
}
