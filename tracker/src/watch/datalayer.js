// The store's analytics data layer: GA4 e-commerce events pushed to dataLayer,
// by gtag('event', ...) or by a tag manager ({event, ecommerce}). What was
// pushed before we loaded tells the page type; what is pushed later is a signal.

const PAGES = { view_item: 'product', view_item_list: 'listing', view_cart: 'cart', begin_checkout: 'checkout', add_shipping_info: 'checkout', add_payment_info: 'checkout', purchase: 'thank_you' }
const STEPS = { begin_checkout: 1, add_shipping_info: 2, add_payment_info: 3 }

/** [name, params] of a GA4 e-commerce push, or undefined. */
export function readPush(x) {
  if (!x || typeof x != 'object') return
  if (x[0] == 'event' && typeof x[1] == 'string') return [x[1], x[2] || {}]
  if (typeof x.event == 'string' && x.ecommerce) return [x.event, x.ecommerce]
}

const first = (p) => (Array.isArray(p.items) && p.items[0]) || {}
const items = (p) => (Array.isArray(p.items) ? p.items.reduce((n, i) => n + (+i.quantity || 1), 0) : undefined)

/** What one push says: {type, step, product, cart} for the page, and [event, fields] for a signal. */
export function meaning(name, p) {
  const it = first(p)
  const product = { id: it.item_id ?? it.id, price: it.price ?? p.value }
  const out = { type: PAGES[name], step: STEPS[name] }
  if (name == 'view_item') out.product = product
  if (name == 'view_cart' || name == 'begin_checkout') out.cart = { value: p.value, items: items(p) }
  if (name == 'add_to_cart' || name == 'remove_from_cart') out.signal = [name == 'add_to_cart' ? 'cart_add' : 'cart_remove', { product_id: product.id, price: it.price, quantity: it.quantity || 1 }]
  if (STEPS[name] > 1) out.signal = ['checkout_step_enter', { step: STEPS[name] }]
  if (name == 'purchase') out.signal = ['purchase', { order_id: p.transaction_id, amount: p.value }]
  return out
}

/** Read what is there (the page), then hear what comes (signals). */
export function watchDataLayer(found, signal) {
  const dl = window.dataLayer
  if (!Array.isArray(dl)) return
  for (const x of dl) {
    const r = readPush(x)
    const m = r && meaning(...r)
    if (m?.type) Object.assign(found, { type: m.type, src: 'datalayer', step: m.step || found.step }, m.product && { product: m.product }, m.cart && { cart: m.cart })
  }
  const push = dl.push
  dl.push = function (...a) {
    const result = push.apply(this, a)
    for (const x of a) {
      try {
        const r = readPush(x)
        const m = r && meaning(...r)
        if (m?.cart) found.cart = m.cart
        if (m?.signal) signal(...m.signal, 'datalayer')
      } catch (e) {}
    }
    return result
  }
}
