import { PAGE_TYPES } from './wire.js'

// Where the shopper is: path (never the query), page type, checkout step,
// locale, device. Explicit beats guessed: cartcoach('page', ...), then
// <html data-cartcoach-page=...>, then the URL.

const RULES = {
  thank_you: /thank|tesekkur/,
  checkout: /checkout|odeme/,
  cart: /\/(cart|basket|sepet)\b/,
  product: /\/(products?|urun|p)\/[^/]/,
  listing: /collection|categor|kategori|products/,
}

export function guessType(path) {
  for (const type in RULES) if (RULES[type].test(path.toLowerCase())) return type
  return path == '/' ? 'home' : 'other'
}

// Emails sometimes end up in paths (/account/jane@example.com): never send them.
export const cleanPath = (p) => p.replace(/[^/]*@[^/]*/g, ':email').slice(0, 512)

/** "tr-TR", "en" ...; anything else (e.g. "en_us") is left out. */
export const normLocale = (s) => (/^[a-z]{2}(-[A-Z]{2})?$/.test(s) ? s : undefined)

/** The batch envelope's page, from what the store told us (`info`) and the document. */
export function pageContext(info, cfg) {
  const html = document.documentElement.dataset
  const path = cleanPath(location.pathname)
  const coarse = matchMedia('(pointer:coarse)').matches
  const currency = info.currency || cfg.currency
  const type = info.type || html.cartcoachPage || guessType(path)
  const p = {
    path,
    type: PAGE_TYPES.includes(type) ? type : 'other',
    locale: normLocale(info.locale || document.documentElement.lang),
    device: coarse ? (innerWidth < 768 ? 'mobile' : 'tablet') : 'desktop',
  }
  if (/^[A-Z]{3}$/.test(currency)) p.currency = currency
  return p
}

/** The checkout step: told, or from /checkout/2 or /checkout/step-2. */
export const pageStep = (info, path) => +info.step || +document.documentElement.dataset.cartcoachStep || +(/checkout\/(?:step-?)?(\d)/.exec(path) || [])[1]

/** Allow-listed query parameters (e.g. utm_source); everything else is dropped. */
export const allowedQuery = (names) => Object.fromEntries([...new URLSearchParams(location.search)].filter(([k]) => names.includes(k)))
