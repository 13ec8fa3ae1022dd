import { on } from './guard.js'

// The reasons' signals, from delegated listeners on the document: one listener
// per kind of DOM event, whatever the store renders later.

// Clicks that mean "the shopper looked at this".
const OPENS = {
  'shipping-info': 'shipping_info_open',
  'return-policy': 'return_policy_view',
  warranty: 'warranty_view',
  installments: 'installment_view',
}

// The first broken constraint, e.g. "valueMissing"; never the value itself.
function validityError(el) {
  for (const k in el.validity) if (k != 'valid' && el.validity[k]) return k
  return 'invalid'
}

export function watchSignals({ cfg, emit, product, cart }) {
  const match = (t, name) => t?.closest?.(cfg.sel(name))

  on(document, 'click', (ev) => {
    const t = ev.target
    for (const name in OPENS) {
      const el = match(t, name)
      // A <details> being closed is not a look.
      if (el && !(el.tagName == 'DETAILS' && el.open)) emit(OPENS[name], product())
    }
    for (const [name, type] of [['add-to-cart', 'cart_add'], ['remove-from-cart', 'cart_remove']]) {
      // The product: data-product-id / data-price / data-quantity on the button or
      // around it, else the product page's. The cart is as it was before the click.
      const el = match(t, name)
      const d = el && (el.closest('[data-product-id]') || el).dataset
      if (d) emit(type, { ...product(), ...cart(), ...(d.productId && { product_id: d.productId, price: d.price }), quantity: d.quantity || 1 })
    }
  })

  on(document, 'focusin', (ev) => match(ev.target, 'coupon') && emit('coupon_focus', cart()))

  on(document, 'change', (ev) => {
    if (match(ev.target, 'price-sort')) emit('price_sort')
    else if (match(ev.target, 'price-filter')) emit('price_filter')
  })

  // Form validation errors: which field and which rule, never what was typed.
  on(document, 'invalid', (ev) => {
    const el = ev.target
    emit('form_error', { field: el.name || el.id || el.type, error: validityError(el) })
  }, true)

  // Copying a product's name or price (to compare elsewhere); the text stays here.
  on(document, 'copy', () => {
    const n = getSelection().anchorNode
    const el = n && (n.nodeType == 1 ? n : n.parentElement)
    if (match(el, 'product-info')) emit('copy_product_info', product())
  })
}
