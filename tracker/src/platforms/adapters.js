// Platform adapters: what each platform says about the page (its own page-type
// markers, the product's id) and what its cart requests look like. A chunk of
// its own, loaded only on a page where src/watch/platform.js recognised one.
const body = () => document.body.className + ' #' + document.body.id
const q = (sel) => document.querySelector(sel)
const val = (sel) => q(sel)?.value || q(sel)?.getAttribute('content') || undefined
const param = (name) => new URLSearchParams(location.search).get(name) || undefined

/** The first page type whose pattern matches the platform's own markers. */
const byMarkers = (text, rules) => Object.keys(rules).find((t) => rules[t].test(text))

export const ADAPTERS = {
  shopify: {
    page() {
      const meta = window.ShopifyAnalytics?.meta || window.meta || {}
      const t = meta.page?.pageType || byMarkers(body(), { product: /template-product/, cart: /template-cart/, listing: /template-collection/, search: /template-search/, home: /template-index/ })
      const type = { collection: 'listing', index: 'home', searchresults: 'search' }[t] || t
      const p = meta.product
      return { type, product: p && { id: p.id, price: p.variants?.[0]?.price / 100 } }
    },
    add: /\/cart\/add(\.js)?\b/,
    remove: /\/cart\/change(\.js)?\?.*quantity=0|\/cart\/clear/,
    // The cart's value as the platform computes it (cents).
    cart: () => fetch('/cart.js', { credentials: 'same-origin' }).then((r) => r.json()).then((c) => ({ value: c.total_price / 100, items: c.item_count })),
  },
  woocommerce: {
    page: () => ({
      type: byMarkers(body(), { thank_you: /woocommerce-order-received/, checkout: /woocommerce-checkout/, cart: /woocommerce-cart/, product: /single-product/, listing: /post-type-archive-product|tax-product_cat|tax-product_tag|woocommerce-shop/ }),
      product: { id: val('[name=add-to-cart]') || q('.single-product [data-product_id]')?.dataset.product_id },
    }),
    add: /[?&]wc-ajax=add_to_cart|[?&]add-to-cart=|\/wc\/store(\/v1)?\/cart\/add-item/,
    remove: /[?&]wc-ajax=remove_from_cart|[?&]remove_item=|\/wc\/store(\/v1)?\/cart\/remove-item/,
  },
  magento: {
    page() {
      const type = byMarkers(body(), { thank_you: /checkout-onepage-success/, checkout: /checkout-index-index/, cart: /checkout-cart-index/, product: /catalog-product-view/, listing: /catalog-category-view/, search: /catalogsearch-result/, home: /cms-index-index/ })
      // Magento's one-page checkout: shipping first, then #payment.
      return { type, step: type == 'checkout' ? (location.hash == '#payment' ? 2 : 1) : undefined, product: { id: val('#product_addtocart_form [name=product]') } }
    },
    add: /\/checkout\/cart\/add\b/,
    remove: /\/checkout\/(cart\/delete|sidebar\/removeItem)\b/,
  },
  prestashop: {
    page() {
      const p = window.prestashop?.page?.page_name || document.body.id
      const type = { index: 'home', category: 'listing', product: 'product', cart: 'cart', checkout: 'checkout', 'order-confirmation': 'thank_you', search: 'search' }[p]
      return { type, product: { id: val('#product_page_product_id') || val('[name=id_product]') } }
    },
    add: /controller=cart.*[?&]add=1|[?&]add=1.*controller=cart|\/cart\?.*add=1/,
    remove: /controller=cart.*[?&]delete=1|[?&]delete=1.*controller=cart|\/cart\?.*delete=1/,
  },
  opencart: {
    page() {
      // Its route is in the query (read here, never sent) or in the body's class.
      const r = param('route') || document.body.className
      const type = byMarkers(r, { thank_you: /checkout[/-]success/, cart: /checkout[/-]cart/, checkout: /checkout[/-]checkout/, product: /product[/-]product/, listing: /product[/-]category/, search: /product[/-]search/, home: /common[/-]home/ })
      return { type, product: { id: param('product_id') || val('#product [name=product_id]') || val('input[name=product_id]') } }
    },
    add: /route=checkout\/cart[./|]add/,
    remove: /route=checkout\/cart[./|]remove/,
  },
}
// The Turkish platforms: known asset hosts and cart endpoints; the generic
// detectors (data layer, schema.org, text) find their pages.
for (const name of ['ikas', 'ideasoft', 'tsoft', 'ticimax']) {
  ADAPTERS[name] = { page: () => ({}), add: /addtocart|add-to-cart|sepete?[-_/]?ekle|cart\/add/i, remove: /removefromcart|sepetten[-_/]?(sil|cikar)|cart\/remove|deletefromcart/i }
}
