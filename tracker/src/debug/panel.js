// data-debug on the tag: an on-page panel with what the snippet understood
// (page type and how, platform, product, cart) and which elements matched
// each signal. Text only, in a shadow root, refreshed every second; it never
// takes clicks away from the page.
const CSS = ':host{all:initial!important}pre{position:fixed;z-index:2147483646;right:8px;bottom:8px;max-width:22em;max-height:40vh;overflow:auto;margin:0;padding:8px;background:#111c;color:#fff;font:11px/1.4 ui-monospace,monospace;white-space:pre-wrap;border-radius:6px;pointer-events:none}'

/** The panel's text: one line per fact, then each signal's detectors and elements. */
export function describePage(page, product, cart, matches) {
  const lines = [
    'cartcoach',
    `page: ${page.type} (${page.src || '?'})`,
    `platform: ${page.platform || 'none found'}`,
    `product: ${product.product_id || '-'} ${product.price ?? ''}`.trim(),
    `cart: ${cart.cart_value ?? '-'} (${cart.cart_items ?? '?'} items)`,
  ]
  for (const k in matches) lines.push(`${k}: ${matches[k].join(', ')}`)
  return lines.join('\n')
}

export function panel(ctx) {
  const host = document.createElement('cartcoach-debug')
  const pre = document.createElement('pre')
  pre.setAttribute('aria-hidden', 'true')
  const style = document.createElement('style')
  style.textContent = CSS
  host.attachShadow({ mode: 'open' }).append(style, pre)
  document.body.append(host)
  const draw = () => ctx.page() && (pre.textContent = describePage(ctx.page(), ctx.product(), ctx.cart(), ctx.found.matches))
  draw()
  setInterval(draw, 1000)
}
