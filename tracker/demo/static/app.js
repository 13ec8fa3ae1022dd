// The demo storefront: renders each page from catalogue.json. It knows nothing
// about cartcoach beyond the documented API (cartcoach('page'|'purchase', ...))
// and data-cartcoach="..." attributes on the elements the coach should watch.
const html = document.documentElement
const lang = html.lang
const page = html.dataset.cartcoachPage
// Money as the overlay's copy writes it (CLDR, which Babel follows on the server):
// ₺389,90 in Turkish, TRY 389.90 in English, cents only when there are any.
const money = (n) => n.toLocaleString(lang == 'tr' ? 'tr-TR' : 'en-GB',
  { style: 'currency', currency: 'TRY', minimumFractionDigits: Number.isInteger(n) ? 0 : 2 })
const T = {
  en: {
    cart: 'Cart', other: 'Türkçe', add: 'Add to cart', filter: 'Filter', min: 'Min price', max: 'Max price', sort: 'Sort',
    relevance: 'Featured', priceAsc: 'Price: low to high', priceDesc: 'Price: high to low', shipping: 'Shipping & delivery',
    shippingText: `Ships tomorrow from Istanbul. Free standard delivery over ${money(500)} (2–4 days); express next day for ${money(49)}.`,
    returns: 'Return policy', returnsText: '30 days to return, free return shipping, refund within 5 working days.',
    warranty: 'Warranty', warrantyText: '2-year warranty against manufacturing defects.',
    installments: 'Installments', installmentsText: 'Up to 6 interest-free installments with major Turkish bank cards.',
    reviews: 'Reviews', empty: 'Your cart is empty.', remove: 'Remove', coupon: 'Coupon code', apply: 'Apply', total: 'Total',
    checkout: 'Checkout', step: 'Step', of: 'of', next: 'Continue', back: 'Back', pay: 'Pay now',
    name: 'Full name', email: 'Email', address: 'Address', city: 'City', standard: `Standard (2–4 days, free over ${money(500)})`,
    express: `Express (next day, ${money(49)})`, card: 'Card number (16 digits)', thanks: 'Thank you! Your order is confirmed.',
    order: 'Order', continue: 'Continue shopping', inStock: 'in stock',
  },
  tr: {
    cart: 'Sepet', other: 'English', add: 'Sepete ekle', filter: 'Filtrele', min: 'En düşük fiyat', max: 'En yüksek fiyat', sort: 'Sırala',
    relevance: 'Öne çıkanlar', priceAsc: 'Fiyat: artan', priceDesc: 'Fiyat: azalan', shipping: 'Kargo ve teslimat',
    shippingText: `Yarın İstanbul’dan kargoda. ${money(500)} üzeri standart teslimat ücretsiz (2–4 gün); ertesi gün ekspres ${money(49)}.`,
    returns: 'İade koşulları', returnsText: '30 gün içinde ücretsiz iade, 5 iş günü içinde para iadesi.',
    warranty: 'Garanti', warrantyText: 'Üretim hatalarına karşı 2 yıl garanti.',
    installments: 'Taksit seçenekleri', installmentsText: 'Banka kartlarına 6 aya varan vade farksız taksit.',
    reviews: 'Değerlendirmeler', empty: 'Sepetiniz boş.', remove: 'Kaldır', coupon: 'Kupon kodu', apply: 'Uygula', total: 'Toplam',
    checkout: 'Ödeme', step: 'Adım', of: '/', next: 'Devam', back: 'Geri', pay: 'Öde',
    name: 'Ad soyad', email: 'E-posta', address: 'Adres', city: 'Şehir', standard: `Standart (2–4 gün, ${money(500)} üzeri ücretsiz)`,
    express: `Ekspres (ertesi gün, ${money(49)})`, card: 'Kart numarası (16 hane)', thanks: 'Teşekkürler! Siparişiniz alındı.',
    order: 'Sipariş', continue: 'Alışverişe devam', inStock: 'adet stokta',
  },
}[lang]
const base = `/demo/${lang}`

// A product picture without image files: the product's colour and initial.
const picture = (p, cls) => el('span', { class: cls, style: `background:${p.colour}`, 'aria-hidden': 'true' }, p.name[lang][0])

// A tiny element builder; text is always inserted as text.
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v)
  }
  e.append(...kids.flat().filter((k) => k != null && k !== false))
  return e
}

const catalogue = await (await fetch('/demo/static/catalogue.json')).json()
const byId = Object.fromEntries(catalogue.products.map((p) => [p.id, p]))
const main = document.getElementById('main')

function refreshCart() {
  const summary = demoCart.summary()
  document.getElementById('cart-link').textContent = `${T.cart} (${summary.items})`
  cartcoach('page', { cart: summary })
}

function addToCart(p) {
  const items = demoCart.read()
  const line = items.find((i) => i.id == p.id)
  if (line) line.qty++
  else items.push({ id: p.id, price: p.price, qty: 1 })
  demoCart.write(items)
  refreshCart()
}

const addButton = (p) =>
  el('button', { class: 'add', 'data-cartcoach': 'add-to-cart', 'data-product-id': p.id, 'data-price': p.price, onclick: () => addToCart(p) }, T.add)

function listing() {
  const grid = el('ul', { class: 'grid' })
  const min = el('input', { type: 'number', name: 'min_price', min: 0, 'aria-label': T.min, placeholder: T.min })
  const max = el('input', { type: 'number', name: 'max_price', min: 0, 'aria-label': T.max, placeholder: T.max })
  const sort = el('select', { name: 'sort', 'aria-label': T.sort, 'data-cartcoach': 'price-sort' },
    el('option', { value: '' }, T.relevance), el('option', { value: 'price-asc' }, T.priceAsc), el('option', { value: 'price-desc' }, T.priceDesc))
  const draw = () => {
    const lo = +min.value || 0
    const hi = +max.value || Infinity
    const shown = catalogue.products.filter((p) => p.price >= lo && p.price <= hi)
    if (sort.value) shown.sort((a, b) => (sort.value == 'price-asc' ? a.price - b.price : b.price - a.price))
    grid.replaceChildren(...shown.map((p) =>
      el('li', { class: 'card' }, el('a', { href: `${base}/product/${p.id}` }, picture(p, 'icon'), el('span', {}, p.name[lang])),
        el('span', { class: 'price' }, money(p.price)), addButton(p))))
  }
  const filter = el('form', { class: 'filters', 'data-cartcoach': 'price-filter', onsubmit: (e) => (e.preventDefault(), draw()) },
    min, max, el('button', {}, T.filter))
  sort.addEventListener('change', draw)
  draw()
  main.replaceChildren(el('div', { class: 'toolbar' }, filter, sort), grid)
}

function product() {
  const p = byId[html.dataset.cartcoachProduct]
  cartcoach('page', { product: { id: p.id, price: p.price } })
  const section = (name, title, text) => el('details', { 'data-cartcoach': name }, el('summary', {}, title), el('p', {}, text))
  main.replaceChildren(el('article', { class: 'product' },
    picture(p, 'hero'),
    el('div', {},
      el('h1', { itemprop: 'name' }, p.name[lang]),
      el('p', { class: 'price', itemprop: 'price' }, money(p.price)),
      el('p', {}, `${p.stock} ${T.inStock}`),
      addButton(p),
      section('shipping-info', T.shipping, T.shippingText),
      section('return-policy', T.returns, T.returnsText),
      section('warranty', T.warranty, T.warrantyText),
      p.installments && section('installments', T.installments, T.installmentsText))),
  el('section', { id: 'reviews', 'data-cartcoach': 'reviews' }, el('h2', {}, T.reviews),
    p.reviews.map((r) => el('blockquote', { class: 'review' }, el('p', {}, '★'.repeat(r.rating) + '☆'.repeat(5 - r.rating)), el('p', {}, r.text[lang]), el('cite', {}, r.author)))))
}

function cart() {
  const items = demoCart.read()
  if (!items.length) return main.replaceChildren(el('h1', {}, T.cart), el('p', {}, T.empty))
  const remove = (id) => {
    demoCart.write(demoCart.read().filter((i) => i.id != id))
    refreshCart()
    cart()
  }
  main.replaceChildren(el('h1', {}, T.cart),
    el('ul', { class: 'lines' }, items.map((i) =>
      el('li', {}, el('a', { href: `${base}/product/${i.id}` }, byId[i.id].name[lang]), ` × ${i.qty} `, el('span', { class: 'price' }, money(i.price * i.qty)),
        el('button', { 'data-cartcoach': 'remove-from-cart', 'data-product-id': i.id, 'data-price': i.price, 'data-quantity': i.qty, onclick: () => remove(i.id) }, T.remove)))),
    el('form', { class: 'coupon', onsubmit: (e) => e.preventDefault() },
      el('label', {}, T.coupon, ' ', el('input', { name: 'coupon', autocomplete: 'off' })), el('button', {}, T.apply)),
    el('p', { class: 'total' }, `${T.total}: ${money(demoCart.summary().value)}`),
    el('a', { class: 'button', href: `${base}/checkout/1` }, T.checkout))
}

function checkout() {
  const step = +html.dataset.cartcoachStep
  const field = (label, attrs) => el('label', {}, label, el('input', attrs))
  const fields = {
    1: [field(T.name, { name: 'name', required: true, autocomplete: 'name' }), field(T.email, { name: 'email', type: 'email', required: true, autocomplete: 'email' }),
      field(T.address, { name: 'address', required: true }), field(T.city, { name: 'city', required: true })],
    2: [el('label', {}, el('input', { type: 'radio', name: 'shipping', value: 'standard', required: true }), T.standard),
      el('label', {}, el('input', { type: 'radio', name: 'shipping', value: 'express' }), T.express)],
    3: [field(T.card, { name: 'card', required: true, inputmode: 'numeric', pattern: '[0-9]{16}', autocomplete: 'cc-number' })],
  }[step]
  const form = el('form', { class: 'checkout', onsubmit: (e) => {
    e.preventDefault()
    location.href = step < 3 ? `${base}/checkout/${step + 1}` : `${base}/thank-you`
  } }, fields, el('div', {}, step > 1 && el('a', { href: `${base}/checkout/${step - 1}` }, T.back), ' ', el('button', {}, step < 3 ? T.next : T.pay)))
  main.replaceChildren(el('h1', {}, `${T.checkout} — ${T.step} ${step} ${T.of} 3`), form)
}

function thankYou() {
  const summary = demoCart.summary()
  const order = 'D' + Date.now().toString(36).toUpperCase()
  if (summary.items) cartcoach('purchase', { order_id: order, amount: summary.value })
  demoCart.write([])
  refreshCart()
  main.replaceChildren(el('h1', {}, T.thanks), el('p', {}, `${T.order} ${order}`), el('a', { href: `${base}/` }, T.continue))
}

const other = lang == 'en' ? 'tr' : 'en'
const localeLink = document.getElementById('locale-link')
localeLink.textContent = T.other
localeLink.href = location.pathname.replace(`/demo/${lang}`, `/demo/${other}`)
refreshCart()
;({ listing, product, cart, checkout, thank_you: thankYou })[page]()
