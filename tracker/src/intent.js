// Moments to act on: exit intent and idleness.

import { on, safe } from './guard.js'

export function watchIntent({ cfg, mobile, exit, idle }) {
  // Desktop: the pointer leaves through the top, towards the tabs and the back button.
  on(document, 'mouseout', (ev) => !ev.relatedTarget && ev.clientY <= 0 && exit())
  // A click on a link or a control moves history or the page itself: `<a href="#">`
  // makes Chromium fire popstate, in-page anchors scroll up fast, themes change the
  // query (variants, filters). None of that is the shopper leaving.
  let clickedAt = 0
  let path = location.pathname
  on(document, 'click', () => ((clickedAt = Date.now()), setTimeout(() => (path = location.pathname))), true)
  const quiet = () => Date.now() - clickedAt > 1000
  // Mobile: a fast scroll up (reaching for the address bar).
  let lastY = scrollY
  let lastT = Date.now()
  on(window, 'scroll', () => {
    if (Date.now() - lastT < 250) return
    if (mobile() && lastY - scrollY > 200 && quiet()) exit()
    lastY = scrollY
    lastT = Date.now()
  }, { passive: true })
  // Back within the page's own history: only a move to another path, not caused by a click.
  on(window, 'popstate', () => {
    if (location.pathname != path && quiet()) exit()
    path = location.pathname
  })

  // Idle: no input for idleMs while the page is visible, reported once per idle
  // spell. Input handlers only store a timestamp, so they stay trivially cheap.
  let last = Date.now()
  let isIdle = false
  for (const type of ['pointermove', 'pointerdown', 'keydown', 'scroll', 'touchstart']) {
    on(window, type, () => ((last = Date.now()), (isIdle = false)), { passive: true, capture: true })
  }
  setInterval(safe(() => !isIdle && !document.hidden && Date.now() - last >= cfg.idleMs && ((isIdle = true), idle(cfg.idleMs))), 1000)
}
