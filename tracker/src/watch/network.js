// Add to cart and remove, as the platform's own cart requests (fetch and XHR):
// only the request's URL is read, never its body or its answer. The product
// id comes from the URL when the platform puts it there (?add-to-cart=42).

// Cart endpoints common to many storefronts, when no platform was recognised.
export const GENERIC = {
  add: /\/cart\/add\b|add[-_]?to[-_]?cart|addtocart|sepete?[-_/]?ekle|[?&]add-to-cart=/i,
  remove: /\/cart\/(remove|delete)\b|remove[-_]?from[-_]?cart|removefromcart|sepetten[-_/]?(sil|cikar)|[?&]remove_item=/i,
}

/** 'cart_add', 'cart_remove' or undefined for a request to `url`. */
export function cartAction(url, rules) {
  if (/\/v1\/(collect|overlay)\b/.test(url)) return
  if (rules.add.test(url)) return 'cart_add'
  if (rules.remove.test(url)) return 'cart_remove'
}

const productIn = (url) => /[?&](?:add-to-cart|product_id|id_product|product)=([\w-]{1,64})/.exec(url)?.[1]

export function watchNetwork(rules, src, signal, changed) {
  const seen = (url) => {
    url = String(url?.url || url || '')
    const type = cartAction(url, rules)
    if (type) {
      signal(type, { product_id: productIn(url) }, src)
      setTimeout(changed, 800)
    }
  }
  const f = window.fetch
  if (f) {
    window.fetch = function (input, init) {
      try {
        seen(input)
      } catch (e) {}
      return f.apply(this, arguments)
    }
  }
  const open = XMLHttpRequest.prototype.open
  XMLHttpRequest.prototype.open = function (method, url) {
    try {
      seen(url)
    } catch (e) {}
    return open.apply(this, arguments)
  }
}
