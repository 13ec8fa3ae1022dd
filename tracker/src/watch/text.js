// Text and ARIA heuristics, Turkish and English: what a control or a section is
// about, from what the shopper reads on it. Pure functions over strings and
// elements, so they are tested without a browser.

/** Lower case without accents, Turkish dotless ı as i: "İade" -> "iade", "Değerlendirmeler" -> "degerlendirmeler". */
export const norm = (s) =>
  String(s || '')
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/\s+/g, ' ')
    .trim()

// What a tab, accordion, <details> or link opens, by its label.
export const TOPICS = {
  reviews: /review|yorum|degerlendirme|rating|ratings|comments/,
  // deliv: Delivery, Deliveries, "Deliver by Friday", and the "Delivary" that themes misspell and stores keep.
  'shipping-info': /shipping|deliv|kargo|teslimat|gonderim/,
  'return-policy': /return|refund|iade|degisim/,
  warranty: /warrant|guarantee|garanti/,
  installments: /installment|taksit/,
}
export const ADD = /add to (cart|bag|basket)|sepete (ekle|at)|^(buy|buy now|hemen al|satin al)$/
// "Remove item" and "Remove Album from cart" (WooCommerce's cart block) say it anywhere; a bare "×" or "Sil" only in a cart line.
export const REMOVE = /remove (item|product|.*from.*(cart|bag|basket))|delete (item|product)|sepetten (cikar|sil)|urunu (sil|kaldir)/
export const REMOVE_SHORT = /^(remove|delete|sil|kaldir|cikar|[x×✕✖])$/
// An icon that means remove: its class names (Font Awesome, Bootstrap Icons, themes' own).
export const REMOVE_ICON = /\b(fa-times|fa-trash\S*|fa-close|fa-remove|bi-trash\S*|bi-x\S*|icon[-_]close|icon[-_]trash|trash|delete|remove)\b/
export const COUPON = /coupon|promo|voucher|discount|gift ?card|(give|enter|your) code|indirim|kupon|(promosyon|hediye) ?(kodu|ceki)/
export const SORT_PRICE = /(price|fiyat).{0,20}(low|high|asc|desc|artan|azalan|dusuk|yuksek|[↑↓<>])|(low|high|lowest|highest|dusuk|yuksek|artan|azalan|cheap).{0,20}(price|fiyat)|ucuzdan|pahalidan|en (ucuz|pahali)/
export const PRICE = /price|fiyat/
export const PRICE_RANGE = /\d[\d.,]*\s*(tl|₺|\$|€|£|usd|try|eur)?\s*[-–]\s*(tl|₺|\$|€|£)?\s*\d/
export const SORT_LINK = /[?&](orderby|sort|sort_by|order|srt|siralama|sirala)=[^&]*(price|fiyat)/i
export const FILTER_LINK = /[?&](min_price|max_price|price|fiyat|pmin|pmax|price_range|filter_price|minprice|maxprice)=/i

/** The short label of a control: its aria-label, value, title or text; '' for big containers. */
export function label(el) {
  if (!el) return ''
  const text = (el.getAttribute?.('aria-label') || (el.tagName == 'INPUT' ? el.value : '') || el.textContent || el.title || '').replace(/\s+/g, ' ').trim()
  return text.length > 80 ? '' : norm(text)
}

/** The topic a label is about ("reviews", "shipping-info" ...), or undefined. */
export const topicOf = (text) => Object.keys(TOPICS).find((k) => TOPICS[k].test(text))

/**
 * A money amount as written on a page: "₺1.299,90", "$1,299.90", "1.299 TL", "55.00".
 * A separator followed by exactly two digits at the end is the decimal one.
 */
export function parseMoney(s) {
  const m = /\d[\d.,\s]*/.exec(String(s || '').replace(/\u00a0/g, ' '))
  if (!m) return undefined
  let n = m[0].replace(/\s/g, '').replace(/[.,]$/, '')
  const dec = /[.,](\d{1,2})$/.exec(n)
  n = (dec ? n.slice(0, -dec[0].length) : n).replace(/[.,]/g, '') + (dec ? '.' + dec[1] : '')
  const v = parseFloat(n)
  return isFinite(v) ? v : undefined
}

/** What a form field is, from its name, id, placeholder, aria-label and <label>. */
export function fieldText(el) {
  const lab = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label')
  return norm([el.name, el.id, el.placeholder, el.getAttribute('aria-label'), lab?.textContent].join(' '))
}
