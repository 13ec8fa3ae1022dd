// One signal per shopper action, from the most explicit detector that saw it.
// An add to cart is often seen three times (the button's click, the platform's
// cart request, the data layer's add_to_cart): they are merged for a moment and
// sent once, carrying the best source's name and every field any of them knew.

export const RANK = ['api', 'attr', 'platform', 'datalayer', 'schema', 'markup', 'text', 'url']
const rank = (src) => (RANK.includes(src) ? RANK.indexOf(src) : 2)
const defined = (o) => Object.fromEntries(Object.entries(o || {}).filter(([, v]) => v != null && v !== ''))
// Types several detectors see for the same action.
const MERGED = ['cart_add', 'cart_remove', 'purchase', 'price_sort', 'price_filter', 'checkout_step_enter']

/** A short, value-free description of an element, for the debug panel. */
export const describe = (el) => (el && el.tagName ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className == 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '') : '')

export function createSignal(ctx, windowMs = 400) {
  const pending = {}
  const sentAt = {}
  const matches = ctx.found.matches
  const fire = (type) => {
    const p = pending[type]
    delete pending[type]
    sentAt[type] = Date.now()
    ctx.emit(type, p.props, p.src)
  }
  ctx.hide.push(() => Object.keys(pending).forEach(fire))

  /** Report `type` seen by detector `src` (on element `el`, for the debug panel). */
  function signal(type, props, src, el) {
    const seen = (matches[type] ||= [])
    if (seen.length < 5) seen.push(src + (el ? ' ' + describe(el) : ''))
    if (!MERGED.includes(type)) return ctx.emit(type, props, src)
    const p = pending[type]
    if (p) {
      const better = rank(src) < rank(p.src)
      p.props = better ? { ...p.props, ...defined(props) } : { ...defined(props), ...p.props }
      if (better) p.src = src
      return
    }
    // The same action seen again, just after it was sent.
    if (Date.now() - (sentAt[type] || 0) < windowMs * 2) return
    pending[type] = { props: defined(props), src }
    setTimeout(() => pending[type] && fire(type), windowMs)
  }
  return signal
}
