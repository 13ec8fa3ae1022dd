// What kind of page this is and which product it shows, from text and markup
// when nothing more explicit says so: one add-to-cart control and a price make
// a product page, a coupon field or "proceed to checkout" a cart, address and
// card fields a checkout.
import { ADD, fieldText, label, norm, parseMoney } from './text.js'

const TOTAL = /^(order |cart |grand |genel |sepet )?(total|toplam|subtotal|ara toplam|tutar)/
const CART_HEAD = /shopping (cart|bag|basket)|your (cart|bag|basket)|my cart|cart totals|^(cart|basket|sepet)\b|sepetim|alisveris sepeti|sepetiniz/
const CHECKOUT_HEAD = /billing|checkout|shipping address|payment|odeme|fatura (bilgileri|adresi)|teslimat adresi|kart bilgileri/
const CHECKOUT_FIELD = /address|adres|postcode|postal|zip|card|cvv|cvc|expir|city|sehir|kart|son kullanma/
const CARD_FIELD = /card ?(number|no)|cvv|cvc|expir|kart (numarasi|no)|son kullanma|cc-(number|exp|csc)/
const THANKS = /thank you|order (received|confirmed|complete)|siparisiniz (alindi|olusturuldu)|tesekkur/
const TO_CHECKOUT = /proceed to checkout|checkout|odemeye gec|alisverisi tamamla|sepeti onayla/

// The block `n` levels above `el`, never the whole page.
const up = (el, n) => (!el || el == document.body ? undefined : n ? up(el.parentElement, n - 1) : el)
// A product page's one add control that shares a small block with a quantity field, if there is exactly one.
const addBesideQty = () => {
  const adds = [...document.querySelectorAll(CONTROLS)].filter((el) => !el.closest(CHROME) && ADD.test(label(el)) && [1, 2, 3].some((i) => up(el, i)?.querySelector(QTY)))
  return adds.length == 1 ? adds[0] : undefined
}
const texts = (sel) => [...document.querySelectorAll(sel)].map(label).filter(Boolean)

// Headings in the page's own content, not a sidebar's mini cart or a menu.
const CHROME = 'aside,nav,header,footer,[class*=sidebar],[class*=offcanvas],[class*=mini],[class*=dropdown],[class*=widget],[class*=modal]'

const CONTROLS = 'a,button,input[type=submit]'
const QTY = 'input[name*=qty],input[name*=quantity],input[type=number],.pro-qty,.quantity'
// "Proceed to checkout" in the same block as the cart's quantity fields; a mini cart's
// button beside a product's quantity field is not (that block has the add control).
const toCheckoutByLines = (el) => {
  if (!TO_CHECKOUT.test(label(el))) return
  for (let box = el.parentElement, i = 0; box && i < 5; box = box.parentElement, i++) {
    if (box.querySelector(QTY)) return ![...box.querySelectorAll(CONTROLS)].some((b) => ADD.test(label(b)))
  }
}

/** The page type by what it says, or undefined. */
export function typeFromText() {
  const heads = [...document.querySelectorAll('h1,h2,h3,h4,h5,.title,.breadcrumb li,.breadcrumb a,.breadcrumb span')].filter((el) => !el.closest(CHROME)).map(label).filter(Boolean)
  const controls = texts(CONTROLS)
  if (heads.some((t) => THANKS.test(t))) return 'thank_you'
  const fields = [...document.querySelectorAll('input:not([type=hidden]),select')].map((el) => fieldText(el) + ' ' + el.autocomplete)
  // Address or card fields under a checkout heading; card fields (number, expiry, CVV) say it alone.
  if (fields.filter((f) => CHECKOUT_FIELD.test(f)).length >= 2 && (heads.some((t) => CHECKOUT_HEAD.test(t)) || fields.filter((f) => CARD_FIELD.test(f)).length >= 2)) return 'checkout'
  // A product page: its one h1 shares a block with an add-to-cart control (related
  // products below may have their own); a listing: several, none beside an h1.
  const h1 = document.querySelectorAll('h1')
  let box = h1.length == 1 && h1[0].parentElement
  for (let i = 0; box && box != document.body && i < 4; box = box.parentElement, i++) {
    if ([...box.querySelectorAll('a,button,input[type=submit]')].some((el) => ADD.test(label(el)))) return 'product'
  }
  // Or, titled by something else than an h1, its one add control shares a small block with a
  // quantity field (related products' add links below have none; a listing's cards have several).
  if (addBesideQty()) return 'product'
  if (heads.some((t) => CART_HEAD.test(t)) || [...document.querySelectorAll(CONTROLS)].some(toCheckoutByLines)) return 'cart'
  if (controls.filter((t) => ADD.test(t)).length > 2) return 'listing'
}

/** A detector's fields that say something: no empty, missing or NaN values (so they never hide another's). */
export const defined = (o) => Object.fromEntries(Object.entries(o || {}).filter(([, v]) => v != null && v !== '' && !(typeof v == 'number' && isNaN(v))))

/**
 * The product a product page shows: what a more explicit source named, with what the
 * markup shows for what it left out. A platform adapter may name the product but not its
 * price (OpenCart's does), and an add to cart without a price adds nothing to the cart's value.
 */
export function productOnPage(named) {
  const p = defined(named)
  return p.id && p.price != null ? p : { ...defined(productFromMarkup()), ...p }
}

/** The product on a product page, from the fields and attributes themes use. */
export function productFromMarkup() {
  const q = (sel) => document.querySelector(sel)
  const field = q('[name=product_id],[name=id_product],[name=add-to-cart],form[action*="cart"] [name=product],[data-product-id],[data-product_id]')
  // Or the add form's action names it (/basket/add/42/, /cart/add/42).
  const action = q('form[action*="/add/"],form[action*="/ekle/"]')?.getAttribute('action')
  const id = (field && (field.dataset.productId || field.dataset.product_id || field.value)) || /\/(?:add|ekle)\/([\w-]{1,64})\/?$/.exec(action || '')?.[1]
  // Not the header's mini cart ("$0.00") or a menu's.
  const price = [...document.querySelectorAll('[itemprop=price],[class*=product] [class*=price],[class*=price]')].find((el) => !el.closest(CHROME))
  return { id: id || undefined, price: price ? parseMoney(price.getAttribute('content') || price.textContent) : nearTitle() }
}

// A cart line's quantity field, and an amount as written (a currency sign or TL).
export const QTY_FIELD = 'input[type=number],input[name*=qty],input[name*=quantity]'
export const MONEY = /[$€£₺]|\btl\b/i

/** The first short amount a block shows: a cart line's unit price ("5,00 ₺"), else its total. */
export function linePrice(line) {
  for (const x of line?.querySelectorAll('[class*=price],td,span,p,strong,div,h4,h5,h6') || []) {
    const t = x.textContent
    if (t.length < 30 && MONEY.test(t) && /\d/.test(t)) return parseMoney(t)
  }
}

/** The cart line around `el`: the smallest block (up to 6 levels) with one quantity field and an amount. */
export function lineOf(el) {
  for (let x = el.parentElement, i = 0; x && i < 6; x = x.parentElement, i++) {
    const n = x.querySelectorAll(QTY_FIELD).length
    if (n > 1) return
    if (n && linePrice(x) != null) return x
  }
}

// A price struck through (the old one beside a sale price) is not what the product costs.
const STRUCK = 's,del,strike,[class*=line-through],[class*=old],[class*=regular]'

// What an element says itself, without its children's words ("$270.00" of "$270.00 <span>70.00</span>").
const own = (x) => [...x.childNodes].filter((n) => n.nodeType == 3).map((n) => n.textContent).join('').replace(/\s+/g, ' ').trim()

/** The first amount in the block of the page's only h1 (else of its one add control beside a quantity field), up to 4 levels, struck prices skipped. */
function nearTitle() {
  const h1 = document.querySelectorAll('h1')
  for (let box = (h1.length == 1 ? h1[0] : addBesideQty())?.parentElement, i = 0; box && box != document.body && i < 4; box = box.parentElement, i++) {
    for (const x of box.querySelectorAll('span,p,div,strong,b,ins,bdi,h2,h3,h4,h5')) {
      const said = own(x)
      const mine = MONEY.test(said) && /\d/.test(said)
      const t = mine ? said : x.textContent
      if (t.length < 20 && MONEY.test(t) && /\d/.test(t) && !x.closest(STRUCK) && (mine || !x.querySelector(STRUCK))) return parseMoney(t)
    }
  }
}

/** The cart's value and item count on a cart page, from its totals and quantity fields. */
export function cartFromMarkup() {
  let value
  for (const el of document.querySelectorAll('li,tr,div,p')) {
    const t = norm(el.textContent)
    if (t.length < 40 && TOTAL.test(t) && /\d/.test(t)) value = parseMoney(t.replace(TOTAL, ''))
  }
  const qty = [...document.querySelectorAll('input[name*=qty],input[name*=quantity],.pro-qty input,input.qty')]
  // No total line: at least what its lines show.
  if (value == null && qty.length) value = qty.reduce((v, el) => v + (linePrice(lineOf(el)) || 0), 0) || undefined
  return { value, items: qty.length ? qty.reduce((n, el) => n + (+el.value || 1), 0) : undefined }
}

// Checkout steps named in the path (/checkout/shipping-address/, /odeme/adres); a methods phase
// (shipping and payment methods, Shuup's /checkout/methods/) comes after the address.
const STEPS = [[/payment|method|odeme-?yontemi|kart/, 3], [/preview|review|confirm|onay|ozet/, 4], [/address|shipping|delivery|adres|teslimat|kargo/, 2]]

/** The checkout step by the path's words, or undefined (then 1). */
export const stepFromPath = (path) => STEPS.find(([re]) => re.test(norm(path).replace(/^.*?(checkout|odeme)/, '')))?.[1]
