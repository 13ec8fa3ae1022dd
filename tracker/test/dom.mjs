// A browser-like global scope for detector tests: happy-dom's Window, its
// document and the few globals the detectors read, on a page at `url`.
import { Window } from 'happy-dom'

export function page(html, url = 'https://shop.example/') {
  const window = new Window({ url })
  window.document.write(html)
  for (const k of ['window', 'document', 'location', 'getComputedStyle', 'CSS', 'HTMLElement', 'Node', 'Event', 'IntersectionObserver', 'innerHeight', 'sessionStorage']) {
    globalThis[k] = k == 'window' ? window : window[k]
  }
  return window
}
