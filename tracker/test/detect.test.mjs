import assert from 'node:assert/strict'
import { test } from 'node:test'
import { guessType } from '../src/page.js'
import { meaning, readPush } from '../src/watch/datalayer.js'
import { findInfos } from '../src/watch/infos.js'
import { cartAction, GENERIC } from '../src/watch/network.js'
import { cartFromMarkup, linePrice, lineOf, productFromMarkup, productOnPage, stepFromPath, typeFromText } from '../src/watch/page.js'
import { watchSignals } from '../src/watch/signals.js'
import { sniff } from '../src/watch/platform.js'
import { findReviews } from '../src/watch/reviews.js'
import { fromSchema } from '../src/watch/schema.js'
import { createSignal } from '../src/watch/signal.js'
import { COUPON, norm, parseMoney, topicOf } from '../src/watch/text.js'
import { ADAPTERS } from '../src/platforms/adapters.js'
import { page } from './dom.mjs'

test('Turkish and English labels name the same topics', () => {
  assert.equal(norm('  İade ve   Değişim '), 'iade ve degisim')
  const cases = { 'Customer Reviews (5)': 'reviews', Yorumlar: 'reviews', 'Değerlendirmeler (12)': 'reviews', 'Kargo & Teslimat': 'shipping-info', 'Shipping & Delivery': 'shipping-info', Delivary: 'shipping-info', 'Deliver by Friday': 'shipping-info', 'İade Koşulları': 'return-policy', Returns: 'return-policy', Garanti: 'warranty', 'Taksit Seçenekleri': 'installments', Description: undefined }
  for (const [text, topic] of Object.entries(cases)) assert.equal(topicOf(norm(text)), topic, text)
  for (const field of ['coupon_code', 'İndirim kodu', 'Promo code', 'Enter your code', 'Kupon kodu']) assert.ok(COUPON.test(norm(field)), field)
  for (const field of ['Posta kodu', 'email', 'Postal code']) assert.ok(!COUPON.test(norm(field)), field)
})

test('money as themes write it', () => {
  const cases = { '₺1.299,90': 1299.9, '$1,299.90': 1299.9, '1.299 TL': 1299, '55.00': 55, 'Total: 2261$': 2261, '€ 44.00': 44, none: undefined }
  for (const [text, value] of Object.entries(cases)) assert.equal(parseMoney(text), value, text)
})

test('URLs of real themes are typed, cart before checkout, thank-you first', () => {
  const cases = {
    '/shop-details.html': 'product',
    '/shop-item/index.html': 'product',
    '/shoping-cart.html': 'cart',
    '/shopping-cart.html': 'cart',
    '/bootstrap-shopping-carts/shopping-carts-3.html': 'cart',
    '/checkout/cart/': 'cart',
    '/basket/': 'cart',
    '/checkout.html': 'checkout',
    '/checkout/order-received/42/': 'thank_you',
    '/shop-grid.html': 'listing',
    '/index.html': 'home',
    '/blog.html': 'other',
  }
  for (const [path, type] of Object.entries(cases)) assert.equal(guessType(path), type, path)
  assert.equal(stepFromPath('/checkout/shipping-address/'), 2)
  assert.equal(stepFromPath('/checkout/payment-method/'), 3)
  // Shuup's phases, in their order: the methods phase is no step back to 1 (an overlay for "checkout_back").
  assert.deepEqual(['/checkout/addresses/', '/checkout/methods/', '/checkout/confirm/'].map(stepFromPath), [2, 3, 4])
  assert.equal(stepFromPath('/checkout/'), undefined)
})

test('GA4 pushes, by gtag or a tag manager, become page facts and signals', () => {
  assert.deepEqual(readPush({ 0: 'event', 1: 'add_to_cart', 2: { value: 5 }, length: 3 }), ['add_to_cart', { value: 5 }])
  assert.deepEqual(readPush({ event: 'view_item', ecommerce: { items: [] } }), ['view_item', { items: [] }])
  assert.equal(readPush({ event: 'gtm.js' }), undefined)
  const item = { items: [{ item_id: 'SKU-1', price: 19.9, quantity: 2 }], value: 39.8 }
  assert.deepEqual(meaning('view_item', item).product, { id: 'SKU-1', price: 19.9 })
  assert.deepEqual(meaning('add_to_cart', item).signal, ['cart_add', { product_id: 'SKU-1', price: 19.9, quantity: 2 }])
  assert.deepEqual(meaning('view_cart', item), { type: 'cart', step: undefined, cart: { value: 39.8, items: 2 } })
  assert.deepEqual(meaning('add_payment_info', item).signal, ['checkout_step_enter', { step: 3 }])
  assert.deepEqual(meaning('purchase', { transaction_id: 'T1', value: 10 }).signal, ['purchase', { order_id: 'T1', amount: 10 }])
})

test('cart requests of each platform are recognised by URL alone', () => {
  assert.equal(cartAction('/cart/add.js', ADAPTERS.shopify), 'cart_add')
  assert.equal(cartAction('/cart/change?line=1&quantity=0', ADAPTERS.shopify), 'cart_remove')
  assert.equal(cartAction('/cart/change.js', ADAPTERS.shopify), undefined)
  assert.equal(cartAction('/?wc-ajax=add_to_cart', ADAPTERS.woocommerce), 'cart_add')
  assert.equal(cartAction('/cart/?remove_item=abc&_wpnonce=1', ADAPTERS.woocommerce), 'cart_remove')
  assert.equal(cartAction('https://m2.example/checkout/cart/add/uenc/x/product/42/', ADAPTERS.magento), 'cart_add')
  assert.equal(cartAction('/index.php?route=checkout/cart.add', ADAPTERS.opencart), 'cart_add')
  assert.equal(cartAction('/index.php?route=checkout/cart/remove', ADAPTERS.opencart), 'cart_remove')
  assert.equal(cartAction('/index.php?controller=cart&add=1&id_product=3', ADAPTERS.prestashop), 'cart_add')
  assert.equal(cartAction('/api/Sepet/SepeteEkle', GENERIC), 'cart_add')
  assert.equal(cartAction('https://coach.example/v1/collect?add_to_cart', GENERIC), undefined)
})

test('platform markers', () => {
  page('<html><body class="single-product woocommerce woocommerce-page"><button name="add-to-cart" value="77">Add</button></body></html>')
  assert.equal(sniff(), 'woocommerce')
  assert.deepEqual(ADAPTERS.woocommerce.page(), { type: 'product', product: { id: '77' } })
  page('<html><body class="catalog-product-view"><script type="text/x-magento-init">{}</script></body></html>')
  assert.equal(sniff(), 'magento')
  assert.equal(ADAPTERS.magento.page().type, 'product')
  page('<html><body class="product-product-42"><a href="index.php?route=checkout/cart">Cart</a></body></html>', 'https://oc.example/index.php?route=product/product&product_id=42')
  assert.equal(sniff(), 'opencart')
  assert.deepEqual(ADAPTERS.opencart.page(), { type: 'product', product: { id: '42' } })
  page('<html><body><h1>Plain</h1></body></html>')
  assert.equal(sniff(), undefined)
})

test('schema.org: one Product is a product page, several a listing', () => {
  page(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Product","sku":"K-1","offers":{"@type":"Offer","price":"1299.90","priceCurrency":"TRY"}}]}</script>`)
  assert.deepEqual(fromSchema(), { type: 'product', product: { id: 'K-1', price: 1299.9 }, currency: 'TRY' })
  page('<div itemscope itemtype="https://schema.org/Product"><span itemprop="sku">A</span></div><div itemscope itemtype="https://schema.org/Product"><span itemprop="sku">B</span></div>')
  assert.deepEqual(fromSchema(), { type: 'listing' })
  page('<meta property="og:type" content="product"><meta property="product:price:amount" content="49.5">')
  assert.equal(fromSchema().product.price, 49.5)
  page('<p>nothing</p>')
  assert.deepEqual(fromSchema(), {})
})

test('page types from what the page says', () => {
  page('<section><h1>Linen shirt</h1><p class="price">$45.00</p><button>Add to basket</button></section><section><h2>Related</h2><a>Add to cart</a><a>Add to cart</a><a>Add to cart</a></section>')
  assert.equal(typeFromText(), 'product')
  assert.equal(productFromMarkup().price, 45)
  page('<h1>Linen shirt</h1><form action="/basket/add/42/" method="post"><input name="quantity" value="1"><button>Add to basket</button></form>')
  assert.equal(productFromMarkup().id, '42')
  page('<header><h1>Shop in style</h1></header><div><a>Add to cart</a><a>Add to cart</a><a>Add to cart</a></div>')
  assert.equal(typeFromText(), 'listing')
  page('<h1>Sepetim</h1><input name="qty" value="2"><div>Toplam ₺1.299,90</div>')
  assert.equal(typeFromText(), 'cart')
  assert.deepEqual(cartFromMarkup(), { value: 1299.9, items: 2 })
  page('<h3>Your products</h3><input type="number" name="quantity"><h3>Payment</h3><label for="a">Card Number</label><input id="a"><label for="b">Cvv</label><input id="b"><button>Buy now</button>')
  assert.equal(typeFromText(), 'checkout')
  page('<h1>Siparişiniz alındı</h1>')
  assert.equal(typeFromText(), 'thank_you')
  // "Go to checkout" beside the cart's lines is a cart page; a mini cart's beside a product's quantity is not.
  page('<form><table><tr><td>Pony</td><td><input type="number" name="items-0-quantity"></td></tr></table><div><a href="/checkout/">Go to Checkout</a></div></form>')
  assert.equal(typeFromText(), 'cart')
  page('<div class="container"><h1>Django Pony</h1></div><div class="row"><div class="main"><form><input type="number" name="quantity"><input type="submit" value="Buy"></form></div><div class="right"><div class="panel"><div><a href="/cart/">1 item in cart</a><a href="/checkout/">Go to Checkout</a></div></div></div></div>')
  assert.notEqual(typeFromText(), 'cart')
})

test('review sections: by selector, by their tab, by their heading; never twice', () => {
  page(`<ul class="nav"><li><a class="nav-link" href="#tabs-6">Customer Reviews (5)</a></li></ul>
    <div class="tab-pane" id="tabs-6"><p>Great</p></div>
    <div class="card"><div class="card-header">Product Reviews</div><div class="card-body">ok</div></div>
    <section id="reviews"><h2>Reviews</h2></section>`)
  const found = findReviews('#reviews').map((el) => el.id || el.className)
  assert.deepEqual(found, ['reviews', 'tabs-6', 'card'])
})

test('information in the page (delivery, returns), not in forms or the footer', () => {
  page(`<div class="card"><div class="card-body"><p><strong>Expected shipping delivery</strong></p><p>12.10 - 14.10</p></div></div>
    <form><h3>Shipping address</h3><input name="a"></form><footer><strong>Free returns</strong></footer>`)
  assert.deepEqual(findInfos().map(([el, topic]) => [el.className, topic]), [['card', 'shipping-info']])
})

test('one add to cart seen by three detectors is sent once, from the most explicit', async () => {
  const sent = []
  const ctx = { emit: (...a) => sent.push(a), found: { matches: {} }, hide: [] }
  const signal = createSignal(ctx, 20)
  signal('cart_add', { quantity: 1, product_id: undefined }, 'text')
  signal('cart_add', { product_id: '42' }, 'woocommerce')
  signal('cart_add', { product_id: 'SKU-42', price: 9.5 }, 'datalayer')
  signal('shipping_info_open', {}, 'text')
  await new Promise((r) => setTimeout(r, 40))
  assert.deepEqual(sent, [['shipping_info_open', {}, 'text'], ['cart_add', { quantity: 1, product_id: '42', price: 9.5 }, 'woocommerce']])
  assert.deepEqual(ctx.found.matches.cart_add, ['text', 'woocommerce', 'datalayer'])
})

test('a control indented in the markup is read by its words, not its whitespace', () => {
  page(`<section><h1>Shop item</h1><button type="button">
                                <i class="bi-cart-fill me-1"></i>
                                Add to cart
                            </button></section>`)
  assert.equal(typeFromText(), 'product')
})

test('a cart without a total line is worth what its lines show; a line knows its price', () => {
  page(`<h3>Shopping Cart</h3><div class="line"><div><button class="minus">-</button><input type="number" name="quantity" value="2"></div><h5>$499.00</h5></div>
    <div class="line"><div><input type="number" name="quantity" value="1"></div><h5>$20.50</h5></div>`)
  assert.equal(typeFromText(), 'cart')
  assert.deepEqual(cartFromMarkup(), { value: 519.5, items: 3 })
  assert.equal(linePrice(lineOf(document.querySelector('.minus'))), 499)
})

test('card fields make a payment page a checkout, with or without a heading', () => {
  page('<table><tr><th>Shopping Bag</th></tr></table><label for="n">Name on card</label><input id="n"><label for="e">Expiration</label><input id="e"><label for="c">Card Number</label><input id="c"><button>Checkout</button>')
  assert.equal(typeFromText(), 'checkout')
  page('<h3>Contact</h3><label for="a">Address</label><input id="a"><label for="c">City</label><input id="c">')
  assert.notEqual(typeFromText(), 'checkout')
})

test('a sort link beside "Sort by", a code field beside Apply, a quantity lowered in a cart line', async () => {
  const win = page(`<h3>Shopping Cart</h3><p><span>Sort by:</span> <a href="#!" id="sort">price</a></p>
    <div class="line"><div><button id="minus">-</button><input type="number" name="quantity" value="2"></div><h5>$499.00</h5></div>
    <div><div class="form-outline"><input type="text" id="code"><label for="code">Discound code</label></div><button>Apply</button></div>
    <div><label for="zip">Postal code</label><input type="text" id="zip"><button>Apply</button></div>`)
  // The theme's own minus button (MDB: onclick stepDown()), which runs before the document hears the click.
  const minus = document.getElementById('minus')
  minus.addEventListener('click', () => (minus.nextElementSibling.value = String(+minus.nextElementSibling.value - 1)))
  const sent = []
  watchSignals({ cfg: {}, signal: (type, props, src) => sent.push([type, src, props.price, props.quantity]), product: () => ({}), cart: () => ({}), page: () => ({ type: 'cart' }), reviews: {} })
  const tick = () => new Promise((r) => setTimeout(r, 5))
  document.getElementById('sort').click()
  await tick()
  document.getElementById('code').dispatchEvent(new win.FocusEvent('focusin', { bubbles: true }))
  document.getElementById('zip').dispatchEvent(new win.FocusEvent('focusin', { bubbles: true }))
  document.getElementById('minus').click()
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(sent, [['price_sort', 'text', undefined, undefined], ['coupon_focus', 'text', undefined, undefined], ['cart_remove', 'markup', 499, 1]])
})

test('a product page without price markup: the amount beside its title, not the struck one', () => {
  page('<section><div><h1>Shop item template</h1><div class="fs-5"><span class="text-decoration-line-through">$45.00</span><span>$40.00</span></div><button>Add to cart</button></div></section>')
  assert.equal(productFromMarkup().price, 40)
})

test('a product an adapter names without a price gets the price the page shows (OpenCart)', () => {
  page('<body class="product-product-40"><div id="product-info"><h1>iPhone</h1><ul class="list-unstyled"><li><span class="price-new">$123.20</span></li><li>Ex Tax: $101.00</li></ul>' +
    '<form id="form-product"><input type="hidden" name="product_id" value="40"><button type="submit" id="button-cart">Add to Cart</button></form></div></body>', 'https://shop.example/index.php?route=product/product&product_id=40')
  const named = ADAPTERS.opencart.page().product
  assert.deepEqual(named, { id: '40' })
  assert.deepEqual(productOnPage(named), { id: '40', price: 123.2 })
  // What the more explicit source said is kept: its id and its price over the markup's.
  assert.deepEqual(productOnPage({ id: '7', price: 99 }), { id: '7', price: 99 })
  assert.deepEqual(productOnPage({ id: '7' }), { id: '7', price: 123.2 })
})

test('a product page titled by an h4: its one add control beside a quantity field, related products below (Male Fashion)', () => {
  const related = '<h3>Related Product</h3>' + '<div class="product__item"><h6>Piqué Biker Jacket</h6><a href="#" class="add-cart">+ Add To Cart</a><h5>$67.24</h5></div>'.repeat(4)
  page(`<div class="product__details__text"><h4>Hooded thermal anorak</h4><h3>$270.00 <span>70.00</span></h3><div class="product__details__cart__option"><div class="quantity"><div class="pro-qty"><input type="text" value="1"></div></div><a href="#" class="primary-btn">add to cart</a></div></div>${related}`, 'https://shop.example/shop-details.html')
  assert.equal(typeFromText(), 'product')
  // A listing whose cards each have a quantity field stays a listing; one without any too.
  page('<h2>Shirts</h2>' + '<div class="card"><input type="number" name="quantity" value="1"><button>Add to cart</button></div>'.repeat(3))
  assert.equal(typeFromText(), 'listing')
  page(related)
  assert.equal(typeFromText(), 'listing')
})

test('a nice-select "Sort by Price" choice and a bare close icon in a cart line (Male Fashion)', async () => {
  page(`<div class="shop__product__option__right"><p>Sort by Price:</p><select style="display:none"><option value="">Low To High</option><option value="">$0 - $55</option></select>
    <div class="nice-select" tabindex="0"><span class="current">Low To High</span><ul class="list"><li data-value="" class="option selected" id="low">Low To High</li><li data-value="" class="option" id="range">$0 - $55</li></ul></div></div>
    <div class="shop__sidebar__tags"><div class="dropdown"><ul><li id="tag">Low To High</li></ul></div></div>
    <table><tbody><tr><td class="product__cart__item"><h6>T-shirt Contrast Pocket</h6><h5>$98.49</h5></td><td class="quantity__item"><div class="pro-qty-2"><input type="text" value="1"></div></td>
    <td class="cart__price">$ 30.00</td><td class="cart__close"><i class="fa fa-close" id="close"></i></td></tr>
    <tr>${' '.repeat(400)}<td><h6>Basic Flowing Scarf</h6></td><td><div class="pro-qty-2"><input type="text" value="1"></div></td><td>$ 47.00</td><td class="cart__close" id="cell"><i class="fa fa-close"></i></td></tr></tbody></table>
    <div class="modal"><i class="fa fa-close" id="modal-close"></i></div>`, 'https://shop.example/shopping-cart.html')
  const sent = []
  watchSignals({ cfg: {}, signal: (type, props, src, el) => sent.push([type, src, el.id]), product: () => ({}), cart: () => ({}), page: () => ({ type: 'cart' }), reviews: {} })
  // The icon, or beside it in its cell (Male Fashion draws a 40 px circle in a wider cell, in a row indented in the markup).
  for (const id of ['low', 'range', 'tag', 'close', 'modal-close']) document.getElementById(id).click()
  document.getElementById('cell').click()
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(sent, [['price_sort', 'text', 'low'], ['cart_remove', 'text', 'close'], ['cart_remove', 'text', 'cell']])
})

test("a product page's price: not the header's mini cart, and the title block's own amount beside a struck one (Male Fashion)", () => {
  page(`<div class="offcanvas-menu-wrapper"><div class="price">$0.00</div></div><header class="header"><div class="header__nav__option"><a href="#">0</a><div class="price">$0.00</div></div></header>
    <div class="product__details__text"><h4>Hooded thermal anorak</h4><h3>$270.00 <span>70.00</span></h3>
    <div class="product__details__cart__option"><div class="quantity"><div class="pro-qty"><input type="text" value="1"></div></div><a href="#" class="primary-btn">add to cart</a></div></div>
    <div class="product__item"><h6>Piqué Biker Jacket</h6><a href="#" class="add-cart">+ Add To Cart</a><h5>$67.24</h5></div>`, 'https://shop.example/shop-details.html')
  assert.equal(productFromMarkup().price, 270)
})

test('an order button that did nothing, clicked again, is friction; a double click, an error between or another page is not', () => {
  const now = Date.now
  let t = 1_000_000
  Date.now = () => t
  try {
    const pay = '<h3>Payment</h3><form><input name="card" required><button type="button" id="buy">Buy now</button></form>'
    const watchOn = (type, sent) => watchSignals({ cfg: {}, signal: (kind, props) => sent.push([kind, props.field, props.error]), product: () => ({}), cart: () => ({}), page: () => ({ type }), reviews: {} })
    const click = (ms) => ((t += ms), document.getElementById('buy').click())
    let sent = []
    page(pay, 'https://shop.example/payment.html')
    watchOn('checkout', sent)
    click(0), click(300), click(3000), click(4000)
    // Once the first click was a double click; the two later ones each came to nothing.
    // "Buy now" on a checkout places the order: it is no add to cart.
    assert.deepEqual(sent, [['form_error', 'buy', 'no_response'], ['form_error', 'buy', 'no_response']])

    // The browser refused the form between the clicks: that error is what the shopper got.
    sent = []
    const win = page(pay, 'https://shop.example/payment.html')
    watchOn('checkout', sent)
    click(20000)
    document.querySelector('[name=card]').dispatchEvent(new win.Event('invalid'))
    click(3000)
    assert.deepEqual(sent.map(([kind, field, error]) => [kind, field, error == 'no_response']), [['form_error', 'card', false]])

    // The same form sent back after a reload (Male Fashion's form posts to '#'), clicked again: friction.
    const order = '<h3>Billing details</h3><form action="#"><input><input><input><button type="submit" id="buy">PLACE ORDER</button></form>'
    sent = []
    let stored = sessionStorage['cartcoach.order']
    page(order, 'https://shop.example/checkout.html')
    watchOn('checkout', sent)
    click(20000)
    stored = sessionStorage['cartcoach.order']
    page(order, 'https://shop.example/checkout.html?')
    sessionStorage['cartcoach.order'] = stored
    watchOn('checkout', sent)
    click(2500)
    assert.deepEqual(sent, [['form_error', 'buy', 'no_response']])

    // The next step of a checkout at the same address (other fields), or a cart's button: no friction.
    sent = []
    stored = sessionStorage['cartcoach.order']
    page(order.replace('<input><input>', ''), 'https://shop.example/checkout.html')
    sessionStorage['cartcoach.order'] = stored
    watchOn('checkout', sent)
    click(2500)
    page('<button id="buy">Checkout</button>', 'https://shop.example/cart.html')
    watchOn('cart', sent)
    click(0), click(3000)
    // Nor a button on a checkout that only says something with "pay" in it.
    page('<h3>Payment</h3><button id="buy">Display all options</button>', 'https://shop.example/payment.html')
    watchOn('checkout', sent)
    click(20000), click(3000)
    assert.deepEqual(sent, [])
  } finally {
    Date.now = now
  }
})

test("a store's policy pages opened from its footer are looks at returns and delivery, in either language", () => {
  page(`<main><h1>Shirt</h1></main><footer><ul><li><a href="/pages/refund-policy" id="refund">Return &amp; Exchanges</a></li>
    <li><a href="/sayfa/iade-ve-degisim" id="iade">İade ve Değişim</a></li><li><a href="/sayfa/kargo" id="kargo">Kargo ve Teslimat</a></li>
    <li><a href="/pages/contact" id="contact">Contact us</a></li></ul></footer>`, 'https://shop.example/products/shirt')
  const sent = []
  watchSignals({ cfg: {}, signal: (type, props, src, el) => sent.push([type, el.id]), product: () => ({}), cart: () => ({}), page: () => ({ type: 'product' }), reviews: {} })
  // The next page would load after the click: what the link is about is read from the link as it is clicked.
  for (const id of ['refund', 'iade', 'kargo', 'contact']) document.getElementById(id).dispatchEvent(new window.MouseEvent('click', { bubbles: true, cancelable: true }))
  assert.deepEqual(sent, [['return_policy_view', 'refund'], ['return_policy_view', 'iade'], ['shipping_info_open', 'kargo']])
})

test("a cart line's remove button named by its product (WooCommerce's cart block), not a wishlist's", async () => {
  page(`<table><tbody><tr class="wc-block-cart-items__row"><td class="wc-block-cart-item__product"><a class="wc-block-components-product-name" href="/?product=album">Album</a>
    <span class="price">$15.00</span><div class="wc-block-cart-item__quantity"><button class="wc-block-cart-item__remove-link" aria-label="Remove Album from cart" id="block">Remove item</button></div></td></tr></tbody></table>
    <a href="#" class="remove_from_wishlist" aria-label="Remove Album from wishlist" id="wish">Remove this product</a>
    <button id="wish2">Remove from wishlist</button><button id="plain">Remove from cart</button>`, 'https://shop.example/?page_id=6')
  const sent = []
  watchSignals({ cfg: {}, signal: (type, props, src, el) => sent.push([type, src, el.id]), product: () => ({}), cart: () => ({}), page: () => ({ type: 'cart' }), reviews: {} })
  for (const id of ['block', 'wish', 'wish2', 'plain']) document.getElementById(id).click()
  await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(sent, [['cart_remove', 'text', 'block'], ['cart_remove', 'text', 'plain']])
})

test('a shipping method switched in a checkout is a look at delivery; the pre-selected or first pick is not', () => {
  page(`<form><fieldset><legend>Delivery</legend>
      <label><input type="radio" name="ship" id="std" value="1" checked> Standard (3-5 days) $2</label>
      <label><input type="radio" name="ship" id="exp" value="2"> Express $9</label></fieldset>
    <div class="panel"><h2 class="panel-title">Choose Shipping Method</h2>
      <label for="m1">Post</label><input type="radio" name="shipping_method" id="m1" value="1">
      <label for="m2">Courier</label><input type="radio" name="shipping_method" id="m2" value="2"></div>
    <fieldset><legend>Payment</legend><label><input type="radio" name="pay" id="card" checked> Card</label>
      <label><input type="radio" name="pay" id="cod" value="cod"> Cash on delivery</label></fieldset>
    <label><input type="radio" name="addr" id="same" checked> Same shipping address</label>
    <label><input type="radio" name="addr" id="other"> Ship to a different address</label></form>`, 'https://shop.example/checkout/')
  const sent = []
  watchSignals({ cfg: {}, signal: (type, props, src, el) => sent.push([type, src, el.id]), product: () => ({}), cart: () => ({}), page: () => ({ type: 'checkout' }), reviews: {} })
  // What the browser does when a radio or its label is clicked: a click, and a change if it was not checked.
  const pick = (id, onLabel = false) => {
    const r = document.getElementById(id)
    const target = onLabel ? r.closest('label') || document.querySelector(`label[for="${id}"]`) : r
    const changes = !r.checked
    r.checked = true
    target.dispatchEvent(new window.MouseEvent('click', { bubbles: true, cancelable: true }))
    if (changes) r.dispatchEvent(new window.Event('change', { bubbles: true }))
  }
  pick('std', true) // the pre-selected method, clicked: no change
  pick('m1', true) // the first method picked where none was: what every checkout asks
  pick('cod') // a payment method, though its label says delivery
  assert.deepEqual(sent, [])
  pick('exp') // Standard -> Express
  pick('m2', true) // Post -> Courier, by its label
  pick('std') // and back
  pick('other') // an address choice, not a delivery speed
  assert.deepEqual(sent, [['shipping_info_open', 'shipping-method', 'exp'], ['shipping_info_open', 'shipping-method', 'm2'], ['shipping_info_open', 'shipping-method', 'std']])
})
