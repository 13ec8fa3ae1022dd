import { PAGE_TYPES } from './wire.js'

// Where the shopper is: path (never the query), page type, checkout step,
// locale, device. Explicit beats guessed: cartcoach('page', ...) (src "api"),
// <html data-cartcoach-page=...> ("attr"), then what the page-understanding
// chunk found (a platform, the data layer, schema.org, text), the URL last.

// The URL, last resort: first match wins (a Magento cart is /checkout/cart).
const RULES = {
  thank_you: /thank|tesekkur|order-received|order[-_]?confirm|success|siparis[-_]?(tamam|onay)/,
  cart: /[/_-](cart|basket|sepet(im)?)\b|shop+ing[-_]?cart/,
  checkout: /checkout|odeme|ödeme/,
  search: /search|arama/,
  product: /\/(products?|urun|item|p)\/[^/]|product[-_]?(detail|page)|(shop|product)[-_]?(details?|single|item)\b|single[-_]?product/,
  listing: /collection|categor|kategori|products|catalog|\/shop\b|shop[-_](grid|list)/,
  home: /^\/(index\.\w+)?$/,
}

export function guessType(path) {
  for (const type in RULES) if (RULES[type].test(path.toLowerCase())) return type
  return 'other'
}

// Emails sometimes end up in paths (/account/jane@example.com): never send them.
export const cleanPath = (p) => p.replace(/[^/]*@[^/]*/g, ':email').slice(0, 512)

/** "tr-TR", "en" ...; anything else (e.g. "en_us") is left out. */
export const normLocale = (s) => (/^[a-z]{2}(-[A-Z]{2})?$/.test(s) ? s : undefined)

/**
 * The batch envelope's page, from what the store told us (`info`), the page's
 * attributes, what the detectors found (`found`: type, src, platform) and the URL.
 */
export function pageContext(info, cfg, found = {}) {
  const html = document.documentElement.dataset
  const path = cleanPath(location.pathname)
  const coarse = matchMedia('(pointer:coarse)').matches
  const currency = info.currency || cfg.currency || found.currency
  const [type, src] = info.type ? [info.type, 'api'] : html.cartcoachPage ? [html.cartcoachPage, 'attr'] : found.type ? [found.type, found.src] : [guessType(path), 'url']
  const p = {
    path,
    type: PAGE_TYPES.includes(type) ? type : 'other',
    locale: normLocale(info.locale || document.documentElement.lang),
    device: coarse ? (innerWidth < 768 ? 'mobile' : 'tablet') : 'desktop',
    src,
  }
  if (found.platform) p.platform = found.platform
  if (/^[A-Z]{3}$/.test(currency)) p.currency = currency
  return p
}

/** The checkout step: told, or from /checkout/2 or /checkout/step-2. */
export const pageStep = (info, path, found = {}) => +info.step || +document.documentElement.dataset.cartcoachStep || found.step || +(/checkout\/(?:step-?)?(\d)/.exec(path) || [])[1] || 1

/** Allow-listed query parameters (e.g. utm_source); everything else is dropped. */
export const allowedQuery = (names) => Object.fromEntries([...new URLSearchParams(location.search)].filter(([k]) => names.includes(k)))
