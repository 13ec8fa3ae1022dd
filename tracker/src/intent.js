// Moments to act on: exit intent and idleness.

import { on, safe } from './guard.js'

export function watchIntent({ cfg, mobile, exit, idle }) {
  // Desktop: the pointer leaves through the top, towards the tabs and the back button.
  on(document, 'mouseout', (ev) => !ev.relatedTarget && ev.clientY <= 0 && exit())
  // Mobile: a fast scroll up (reaching for the address bar); anywhere: back navigation.
  let lastY = scrollY
  let lastT = Date.now()
  on(window, 'scroll', () => {
    if (Date.now() - lastT < 250) return
    if (mobile() && lastY - scrollY > 200) exit()
    lastY = scrollY
    lastT = Date.now()
  }, { passive: true })
  on(window, 'popstate', exit)

  // Idle: no input for idleMs while the page is visible, reported once per idle
  // spell. Input handlers only store a timestamp, so they stay trivially cheap.
  let last = Date.now()
  let isIdle = false
  for (const type of ['pointermove', 'pointerdown', 'keydown', 'scroll', 'touchstart']) {
    on(window, type, () => ((last = Date.now()), (isIdle = false)), { passive: true, capture: true })
  }
  setInterval(safe(() => !isIdle && !document.hidden && Date.now() - last >= cfg.idleMs && ((isIdle = true), idle(cfg.idleMs))), 1000)
}
