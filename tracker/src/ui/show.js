// The overlay's UI, a separate chunk the snippet imports only when the coach
// has something to show. It renders in a shadow root (the page's CSS cannot
// reach in, ours cannot leak out); a modal <dialog> gives Esc and keeps the
// page inert; focus goes in, wraps on Tab, and comes back on close.
import { on } from '../guard.js'
import { render, h } from './render.js'

// overlay.css, minified at build time.
const CSS = __OVERLAY_CSS__

/** Show overlay `d`; report(type, fields) records impression, click, dismiss and answer. */
export function show(d, report, closed) {
  const meta = { experiment: d.experiment, arm: d.arm, variant: d.variant, incentive: d.incentive }
  const timers = []
  const before = document.activeElement
  const host = h('cartcoach-overlay', {})
  const root = host.attachShadow({ mode: 'open' })
  let acted = false
  const act = (kind, value) => {
    if (kind == 'click') (acted = true), report('overlay_click', meta)
    if (kind == 'answer') (acted = true), report('survey_answer', { ...meta, answer: value })
    if (kind != 'click') dialog.close()
  }
  const dialog = render(d, act, timers)
  on(dialog, 'close', () => {
    if (!acted) report('overlay_dismiss', meta)
    timers.forEach(clearInterval)
    host.remove()
    closed()
    if (before && before.focus) before.focus()
  })
  // A click on the backdrop lands on the dialog itself (its content has its own box).
  on(dialog, 'click', (ev) => ev.target == dialog && dialog.close())
  // Tab wraps around inside the dialog instead of escaping to the browser's UI.
  on(dialog, 'keydown', (ev) => {
    if (ev.key != 'Tab') return
    const f = dialog.querySelectorAll('a[href],button')
    const edge = ev.shiftKey ? f[0] : f[f.length - 1]
    if (root.activeElement == edge) {
      ev.preventDefault()
      f[ev.shiftKey ? f.length - 1 : 0].focus()
    }
  })
  root.append(h('style', {}, CSS), dialog)
  document.body.append(host)
  dialog.showModal()
  report('overlay_impression', meta)
}
