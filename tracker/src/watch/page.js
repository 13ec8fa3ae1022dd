// What kind of page this is and which product it shows, from text and markup
// when nothing more explicit says so: one add-to-cart control and a price make
// a product page, a coupon field or "proceed to checkout" a cart, address and
// card fields a checkout.
import { ADD, label, norm, parseMoney } from './text.js'

const TOTAL = /^(order |cart |grand |genel |sepet )?(total|toplam|subtotal|ara toplam|tutar)/
const CART_HEAD = /shopping cart|your cart|my cart|cart totals|sepetim|alisveris sepeti|sepetiniz/
const CHECKOUT_HEAD = /billing details|checkout|shipping address|odeme|fatura (bilgileri|adresi)|teslimat adresi/
const THANKS = /thank you|order (received|confirmed|complete)|siparisiniz (alindi|olusturuldu)|tesekkur/
const TO_CHECKOUT = /proceed to checkout|checkout|odemeye gec|alisverisi tamamla|sepeti onayla/

const texts = (sel) => [...document.querySelectorAll(sel)].map(label).filter(Boolean)

/** The page type by what it says, or undefined. */
export function typeFromText() {
  const heads = texts('h1,h2,h3,h4,.title,.breadcrumb li,.breadcrumb a,.breadcrumb span')
  const controls = texts('a,button,input[type=submit]')
  if (heads.some((t) => THANKS.test(t))) return 'thank_you'
  const fields = [...document.querySelectorAll('input,select')].map((el) => norm(el.name + ' ' + el.id + ' ' + el.autocomplete))
  if (fields.filter((f) => /address|adres|postcode|postal|zip|cc-number|card|city|sehir/.test(f)).length >= 2 && heads.some((t) => CHECKOUT_HEAD.test(t))) return 'checkout'
  if (heads.some((t) => CART_HEAD.test(t)) || (controls.some((t) => TO_CHECKOUT.test(t)) && document.querySelector('input[name*=qty i],input[name*=quantity i],input[type=number],.pro-qty,.quantity'))) return 'cart'
  const adds = controls.filter((t) => ADD.test(t)).length
  if (adds == 1 && document.querySelectorAll('h1').length == 1) return 'product'
  if (adds > 2) return 'listing'
}

/** The product on a product page, from the fields and attributes themes use. */
export function productFromMarkup() {
  const q = (sel) => document.querySelector(sel)
  const field = q('[name=product_id],[name=id_product],[name=add-to-cart],form[action*="cart"] [name=product],[data-product-id],[data-product_id]')
  const id = field && (field.dataset.productId || field.dataset.product_id || field.value)
  const price = q('[itemprop=price],[class*=product] [class*=price],[class*=price]')
  return { id: id || undefined, price: price ? parseMoney(price.getAttribute('content') || price.textContent) : undefined }
}

/** The cart's value and item count on a cart page, from its totals and quantity fields. */
export function cartFromMarkup() {
  let value
  for (const el of document.querySelectorAll('li,tr,div,p')) {
    const t = norm(el.textContent)
    if (t.length < 40 && TOTAL.test(t) && /\d/.test(t)) value = parseMoney(t.replace(TOTAL, ''))
  }
  const qty = [...document.querySelectorAll('input[name*=qty i],input[name*=quantity i],.pro-qty input,input.qty')]
  return { value, items: qty.length ? qty.reduce((n, el) => n + (+el.value || 1), 0) : undefined }
}
