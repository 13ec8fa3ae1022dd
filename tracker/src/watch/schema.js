// schema.org Product/Offer: JSON-LD, microdata and Open Graph. One product on
// the page makes it a product page (with its id and price); several make it a
// listing.
import { parseMoney } from './text.js'

const isProduct = (t) => [].concat(t || []).some((x) => /Product$/.test(x))

function flatten(node, out) {
  if (Array.isArray(node)) node.forEach((n) => flatten(n, out))
  else if (node && typeof node == 'object') {
    if (isProduct(node['@type'])) out.push(node)
    flatten(node['@graph'], out)
    if (node['@type'] == 'ItemList') flatten((node.itemListElement || []).map((i) => i.item || i), out)
  }
  return out
}

const offerPrice = (o) => {
  o = [].concat(o || [])[0] || {}
  return parseMoney(o.price ?? o.lowPrice ?? o.priceSpecification?.price)
}

/** {type, product: {id, price}, currency} from the page's structured data, or {}. */
export function fromSchema(doc = document) {
  const products = []
  for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      flatten(JSON.parse(s.textContent), products)
    } catch (e) {}
  }
  const ld = products.map((p) => ({ id: p.sku || p.productID || p.mpn || p.productGroupID, price: offerPrice(p.offers), currency: [].concat(p.offers || [])[0]?.priceCurrency }))
  const md = [...doc.querySelectorAll('[itemtype$="schema.org/Product"]')].filter((el) => !el.parentElement?.closest('[itemtype$="schema.org/Product"]'))
  const prop = (el, name) => {
    const x = el.querySelector(`[itemprop=${name}]`)
    return x && (x.getAttribute('content') || x.getAttribute('value') || x.textContent)
  }
  const items = ld.length ? ld : md.map((el) => ({ id: prop(el, 'sku') || prop(el, 'productID'), price: parseMoney(prop(el, 'price')), currency: prop(el, 'priceCurrency') }))
  if (items.length > 1) return { type: 'listing' }
  const meta = (p) => doc.querySelector(`meta[property="${p}"]`)?.content
  const og = /product/.test(meta('og:type') || '')
  if (!items.length && !og) return {}
  const p = items[0] || {}
  return {
    type: 'product',
    product: { id: p.id || meta('product:retailer_item_id'), price: p.price ?? parseMoney(meta('product:price:amount') || meta('og:price:amount')) },
    currency: p.currency || meta('product:price:currency'),
  }
}
