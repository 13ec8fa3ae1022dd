// The reasons' signals from delegated listeners on the document (one per kind
// of DOM event, whatever the store renders later). Each control is recognised
// by the most explicit means there is: data-cartcoach="NAME" ("attr"), the
// store's selector map from cartcoach('config', {selectors}) ("api"), class
// names common to themes ("markup"), then what it says ("text").
import { on } from '../guard.js'
import { linePrice, lineOf, MONEY, QTY_FIELD as QTY } from './page.js'
import { ADD, COUPON, FILTER_LINK, label, PRICE, PRICE_RANGE, REMOVE, REMOVE_ICON, REMOVE_SHORT, SORT_LINK, SORT_PRICE, fieldText, topicOf } from './text.js'

// Class names and attributes themes commonly use (the pre-heuristics map).
export const SELECTORS = {
  'shipping-info': '.shipping-info,a[href*=shipping]',
  reviews: '#reviews,.reviews,#tab-reviews,#product-reviews,.product-reviews,.woocommerce-Reviews,#customer-reviews,.spr-container,#yorumlar,.yorumlar,.panel.rating,.card.rating,section.rating',
  'return-policy': '.return-policy,a[href*=return]',
  warranty: '.warranty',
  'price-filter': '.price-filter,.price_slider,.price-range,.widget_price_filter',
  'price-sort': 'select[name*=sort],select[name=orderby],select[id*=sort]',
  coupon: '[name*=coupon],[name*=promo],[id*=coupon]',
  installments: '.installments',
  'add-to-cart': '.add-to-cart,.add_to_cart_button,.single_add_to_cart_button,[name=add-to-cart],[name=add_cart],#button-cart,.btn-addtocart',
  'remove-from-cart': '.remove-from-cart,.cart .remove,a.remove,.remove-item,.cart-remove',
  'product-info': '[itemprop=name],[itemprop=price]',
}

// Clicks on these open something the shopper reads.
export const OPENS = {
  'shipping-info': 'shipping_info_open',
  'return-policy': 'return_policy_view',
  warranty: 'warranty_view',
  installments: 'installment_view',
}
// A radio is a delivery method when its field or its group's heading says so, or its label says how fast;
// not "Ship to a different address" (where) nor "Cash on delivery" (how to pay).
const SPEED = /express|(next|same) day|\d ?[-–] ?\d+ \D{0,9}(day|gun)/
const NOT_METHOD = /address|adres|pay|odeme|kapida/
/** The radio a click lands on, itself or through its label. */
const radioOf = (t) => ((t = t?.closest?.('label')?.control || t)?.type == 'radio' ? t : undefined)
/** A shipping method's radio: its name, id or label, or the legend / heading of its group, speaks of delivery. */
export function deliveryMethod(radio) {
  const head = label(radio.closest('fieldset,.panel,.card')?.querySelector('legend,h2,h3,.card-header'))
  const own = fieldText(radio)
  return !NOT_METHOD.test(own + head) && (SPEED.test(own) || /^ship/.test(topicOf(own + ' ' + head)))
}
// A field for a code beside an Apply button is a coupon field whatever its label says ("Discount code", "Gift code").
const CODE = /\bcode\b|\bkodu?\b/
const NOT_COUPON = /post|zip|sms|verif|dogrulama|guvenlik|security/
const APPLY = /^(apply|redeem|use|uygula|kullan)$/
// A link saying "price" beside "Sort by:" / "Sırala:".
const SORT_LABEL = /\bsort|order by|sirala/
// A checkout's button that should move the order on, and what a click on it that did nothing is.
const ORDER = /\b(order|pay|buy|purchase|checkout|continue|siparis|odeme|satin al|devam|onayla)/
const DEAD = 'no_response'
const CLICKED = 'cartcoach.order'
const CLICKABLE = 'a,button,summary,[role=tab],[role=button],[role=option],input[type=submit],input[type=button],label,li,span,[onclick]'

/** (element, name) -> [matched element, src] by attribute, the store's map or common markup. */
export function createMatcher(cfg) {
  const own = cfg.selectors || {}
  return (t, name) => {
    if (!t?.closest) return
    let el = t.closest(`[data-cartcoach="${name}"]`)
    if (el) return [el, 'attr']
    if (own[name] && (el = t.closest(own[name]))) return [el, 'api']
    if (SELECTORS[name] && (el = t.closest(SELECTORS[name]))) return [el, 'markup']
  }
}

/** The panel a tab, accordion header or <summary> shows, or undefined. */
export function panelOf(el) {
  if (el.tagName == 'SUMMARY') return el.parentElement
  const id = el.getAttribute('aria-controls') || (/^#[\w-]+$/.test(el.getAttribute('href') || '') && el.getAttribute('href').slice(1))
  const target = el.dataset.bsTarget || el.dataset.target
  try {
    return (id && document.getElementById(id)) || (target && document.querySelector(target)) || undefined
  } catch (e) {}
}

/** Shown to the shopper: in the layout, with a size, not visibility:hidden. */
export const visible = (el) => !!el && el.getClientRects().length > 0 && el.offsetHeight > 0 && getComputedStyle(el).visibility != 'hidden'

// The first broken constraint, e.g. "valueMissing"; never the value itself.
function validityError(el) {
  for (const k in el.validity) if (k != 'valid' && el.validity[k]) return k
  return 'invalid'
}

export function watchSignals({ cfg, signal, product, cart, page, reviews }) {
  const match = createMatcher(cfg)

  // An opener (tab, accordion, <details>, link) counts once its panel is shown;
  // one that is already shown and clicked again is a re-look at it.
  function opened(el, topic, src) {
    const details = el.closest('details')
    const panel = details && el.closest('summary') ? details : panelOf(el)
    const before = panel && (panel.tagName == 'DETAILS' ? panel.open : visible(panel))
    const expanded = el.getAttribute('aria-expanded')
    const report = () => (topic == 'reviews' ? reviews.reopened(panel) : signal(OPENS[topic], product(), src, el))
    if (panel?.tagName == 'DETAILS') return !before && report()
    if (!panel && expanded == null) return report()
    if (before) return topic == 'reviews' && report()
    let done = false
    for (const ms of [60, 400]) setTimeout(() => !done && (panel ? visible(panel) : el.getAttribute('aria-expanded') == 'true') && ((done = true), report()), ms)
  }

  on(document, 'click', (ev) => {
    const t = ev.target
    // A choice in a form (a radio or its label: "Cash on delivery") opens nothing; a delivery
    // method's is read by the change listener below. A radio outside a form may be a CSS-only tab.
    const radio = radioOf(t)
    if (radio && (radio.form || deliveryMethod(radio))) return
    for (const name in OPENS) {
      const m = match(t, name)
      // Inside an open <details> but not on its summary: reading it, not opening it.
      if (m && m[0].tagName == 'DETAILS' && !t.closest('summary')) return
      if (m) return opened(m[0].tagName == 'DETAILS' ? t.closest('summary') || m[0] : m[0], name, m[1])
    }
    for (const [name, type] of [['add-to-cart', 'cart_add'], ['remove-from-cart', 'cart_remove']]) {
      const m = match(t, name)
      if (m) return cartClick(type, m[0], m[1])
    }
    // A <select> whose choices are about delivery (a shipping method) is looked at when opened.
    if (t.tagName == 'SELECT') {
      const topic = topicOf(fieldText(t) + ' ' + label(t.selectedOptions?.[0]))
      return topic && topic != 'reviews' && opened(t, topic, 'text')
    }
    // A cart line's "remove" checkbox (Django formsets: items-0-DELETE), ticked.
    if (t.type == 'checkbox' && t.checked && /delete|remove|\bsil\b|kaldir/.test(fieldText(t))) return cartClick('cart_remove', t, 'markup')
    // A bare icon (<i class="fa fa-close">), or the table cell holding only it, is a control only if it says remove.
    const icon = t.closest?.('i,svg,td')
    const c = t.closest?.(CLICKABLE) || (icon && iconRemove(icon) && icon)
    if (!c) return
    const text = label(c)
    const href = t.closest('a')?.href || ''
    const topic = text && topicOf(text)
    if (topic) return opened(c, topic, 'text')
    // On a checkout, "Buy now" / "Satın al" places the order: it adds nothing.
    if (ADD.test(text) && !(page().type == 'checkout' && ORDER.test(text))) return cartClick('cart_add', c, 'text')
    if (REMOVE.test(text) || ((REMOVE_SHORT.test(text) || iconRemove(c)) && inCartLine(c))) return cartClick('cart_remove', c, 'text')
    if (SORT_LINK.test(href) || SORT_PRICE.test(text) || (PRICE.test(text) && SORT_LABEL.test(label(c.parentElement)))) return signal('price_sort', {}, SORT_LINK.test(href) ? 'markup' : 'text', c)
    if (c.tagName == 'LI' && sortByPrice(c, text)) return signal('price_sort', {}, 'text', c)
    if (FILTER_LINK.test(href)) return signal('price_filter', {}, 'markup', c)
    if (PRICE_RANGE.test(text) && priceBox(c)) return signal('price_filter', {}, 'text', c)
  })

  // A direction ("Low To High") chosen in a dropdown drawn over a hidden <select> (nice-select,
  // bootstrap-select) beside a "Sort by price" label; an amount ("$0 - $55") is not a sort.
  const sortByPrice = (li, text) => {
    const box = li.parentElement?.closest('[class*=select],[class*=dropdown]')
    return !/\d/.test(text) && !!box && [...(box.parentElement?.children || [])].some((x) => x != box && x.tagName != 'SELECT' && SORT_LABEL.test(label(x)) && PRICE.test(label(x)))
  }
  // An icon-only control (×, a trash can) whose classes say remove.
  const iconRemove = (c) => !label(c) && [c, ...c.querySelectorAll('i,svg,span')].some((x) => REMOVE_ICON.test(String(x.className?.baseVal ?? x.className)))
  // A cart line: a block up the tree with a quantity field or a price.
  const cartLine = (c) => {
    for (let x = c.parentElement, i = 0; x && x != document.body && i < 5; x = x.parentElement, i++) {
      // Its words, not the markup's indentation (a Male Fashion cart row is 40 characters in 811).
      const text = x.textContent.replace(/\s+/g, ' ')
      if (x.querySelector(QTY) || MONEY.test(text.length < 400 ? text : '')) return x
    }
  }
  // ... on the cart page or in a mini cart.
  const inCartLine = (c) => !!cartLine(c) && (page().type == 'cart' || !!c.closest('[class*=cart],[class*=basket],[class*=sepet]'))

  // A quantity lowered in a cart line (its minus button, a stepper, typing) removes that many.
  // A minus button's own script runs before a listener on the document hears the click: the
  // value is noted while the click comes down (capture) and compared once it has run.
  const lowered = (q, was) => +q.value < was && inCartLine(q) && signal('cart_remove', { ...cart(), price: linePrice(lineOf(q)), quantity: was - +q.value }, 'markup', q)
  on(document, 'click', (ev) => {
    const q = ev.target.closest && !ev.target.matches(QTY) && lineOf(ev.target)?.querySelector(QTY)
    if (q) {
      const was = +q.value
      setTimeout(() => lowered(q, was))
    }
  }, true)
  const typed = new WeakMap()
  on(document, 'focusin', (ev) => ev.target.matches?.(QTY) && typed.set(ev.target, +ev.target.value))
  on(document, 'change', (ev) => typed.has(ev.target) && (lowered(ev.target, typed.get(ev.target)), typed.set(ev.target, +ev.target.value)))

  function cartClick(type, el, src) {
    // The product: data-product-id / data-product_id / data-price / data-quantity on the
    // control or around it, else the product page's. The cart is as it was before.
    const d = (el.closest('[data-product-id],[data-product_id]') || el).dataset
    const id = d.productId || d.product_id
    const props = { ...product(), ...cart(), ...(id && { product_id: id, price: d.price }), quantity: d.quantity || 1 }
    // A removal from a cart line carries that line's price.
    if (type == 'cart_remove' && !d.price) props.price = linePrice(lineOf(el)) ?? props.price
    signal(type, props, src, el)
  }

  // A price filter: a container that says "price" (class, id or its heading).
  const priceBox = (el) => {
    for (let x = el, i = 0; x && i < 6; x = x.parentElement, i++) {
      if (PRICE.test(((typeof x.className == 'string' ? x.className : '') + ' ' + x.id).toLowerCase())) return x
      const h = x.querySelector?.(':scope > h2,:scope > h3,:scope > h4,:scope > h5,:scope > .title,:scope > .widget-title')
      if (h && PRICE.test(label(h))) return x
    }
  }
  // Range sliders (jQuery UI, noUiSlider, ion.rangeSlider, role=slider): a drag in a price box.
  let dragging = null
  on(document, 'pointerdown', (ev) => {
    const s = ev.target.closest?.('.ui-slider,.noUi-target,.irs,[role=slider],.price_slider,.price-range')
    dragging = s && (match(s, 'price-filter') || (priceBox(s) && [s, 'text']))
  }, true)
  on(document, 'pointerup', () => dragging && (signal('price_filter', {}, dragging[1], dragging[0]), (dragging = null)), true)

  on(document, 'focusin', (ev) => {
    const t = ev.target
    const m = match(t, 'coupon')
    if (m) return signal('coupon_focus', cart(), m[1], m[0])
    // By its own words or its form's (Oscar's voucher form: id voucher_form, action /basket/vouchers/add/).
    if (t.tagName != 'INPUT' || /email|password|tel|number|checkbox|radio/.test(t.type)) return
    const f = fieldText(t)
    if (COUPON.test(f + ' ' + (t.form ? t.form.id + ' ' + t.form.getAttribute('action') : '')) || (CODE.test(f) && !NOT_COUPON.test(f) && besideApply(t))) signal('coupon_focus', cart(), 'text', t)
  })

  const besideApply = (el) => {
    for (let x = el.parentElement, i = 0; x && i < 3; x = x.parentElement, i++) {
      if ([...x.querySelectorAll('button,input[type=submit],input[type=button],a')].some((b) => APPLY.test(label(b)))) return true
    }
  }

  // A shipping method switched by the shopper ("Standard" -> "Express") is a look at delivery.
  // The method a checkout pre-selects, or the first one picked where none was, is not: every
  // shopper who goes through a checkout does that. Only the method's topic is sent.
  const chosen = {}
  on(document, 'change', (ev) => {
    const t = ev.target
    let m
    if (t.type == 'radio' && t.name && deliveryMethod(t)) {
      const before = chosen[t.name] || [...document.getElementsByName(t.name)].find((r) => r.defaultChecked)
      chosen[t.name] = t
      return before != t && before && signal('shipping_info_open', product(), 'shipping-method', t)
    }
    if ((m = match(t, 'price-sort'))) return signal('price_sort', {}, m[1], m[0])
    if ((m = match(t, 'price-filter'))) return signal('price_filter', {}, m[1], m[0])
    if (t.tagName == 'SELECT' && SORT_PRICE.test(label(t.selectedOptions?.[0]))) return signal('price_sort', {}, 'text', t)
    if (t.tagName == 'INPUT' && (PRICE.test(fieldText(t)) || ((t.type == 'range' || t.type == 'number') && priceBox(t)))) signal('price_filter', {}, 'text', t)
  })

  // Form validation errors: which field and which rule, never what was typed.
  // Once per field per second: the browser's check and the theme's marks often both say it.
  const said = {}
  let errorAt = 0
  const formError = (el, error) => {
    const field = el.name || el.id || el.type
    if (!field || Date.now() - (said[field] || 0) < 1000) return
    said[field] = Date.now()
    if (error != DEAD) errorAt = said[field]
    signal('form_error', { field, error }, 'markup', el)
  }
  // A checkout's order button clicked again, on the same page or on the same form sent back
  // (same path, label and fields), 1-15 s later with no other page and no error in between:
  // the store gave the shopper nothing for it, the same friction as an error. A double click
  // is one click.
  on(document, 'click', (ev) => {
    const c = ev.target.closest?.('button,input[type=submit],a.btn,[role=button]')
    if (!c || page().type != 'checkout' || !ORDER.test(label(c))) return
    const key = location.pathname + label(c) + (c.form?.elements.length ?? '')
    const [was, at] = JSON.parse(sessionStorage[CLICKED] || '[]')
    const gap = Date.now() - at
    if (was == key && gap > 1000 && gap < 15000 && errorAt < at) formError(c, DEAD)
    sessionStorage[CLICKED] = JSON.stringify([key, Date.now()])
  })
  on(document, 'invalid', (ev) => formError(ev.target, validityError(ev.target)), true)
  // Themes that validate in script mark fields instead (aria-invalid, error classes),
  // after a submit or in the page the server sent back.
  const MARKED = '[aria-invalid=true],.is-invalid,input.error,.error input,.has-error input,.woocommerce-invalid input,.mage-error,.was-validated :invalid'
  const marked = (root) => root.querySelectorAll(MARKED).forEach((el) => /INPUT|SELECT|TEXTAREA/.test(el.tagName) && formError(el, 'invalid'))
  on(document, 'submit', (ev) => setTimeout(() => marked(ev.target), 600), true)
  document.querySelectorAll('form').forEach(marked)

  // Copying a product's name or price (to compare elsewhere); the text stays here.
  on(document, 'copy', () => {
    const n = getSelection().anchorNode
    const el = n && (n.nodeType == 1 ? n : n.parentElement)
    if (match(el, 'product-info') || (page().type == 'product' && el?.closest('h1'))) signal('copy_product_info', product(), 'markup', el)
  })
}
