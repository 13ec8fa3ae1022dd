// Settings from the tag's data- attributes, overridden by cartcoach('config', {...})
// calls queued before the script ran (tunables and the per-store selector map).

// What the default signals look for on a page nobody changed. An element with
// data-cartcoach="NAME" always matches too; a store's map replaces a default.
export const SELECTORS = {
  'shipping-info': '.shipping-info,a[href*=shipping]',
  reviews: '#reviews,.reviews',
  'return-policy': '.return-policy,a[href*=return]',
  warranty: '.warranty',
  'price-filter': '.price-filter',
  'price-sort': 'select[name*=sort]',
  coupon: '[name*=coupon]',
  installments: '.installments',
  'add-to-cart': '.add-to-cart',
  'remove-from-cart': '.remove-from-cart',
  'product-info': '[itemprop=name],[itemprop=price]',
}

export function readConfig(script, overrides) {
  const d = script?.dataset || {}
  const base = new URL(script?.src || location.href)
  const cfg = {
    key: d.key,
    api: d.api || base.origin,
    // The overlay UI chunk sits next to the snippet (its hashed name is set at build time).
    ui: new URL(__UI_FILE__, base).href,
    consent: d.consent == 'required',
    respectGpc: 'respectGpc' in d,
    debug: 'debug' in d,
    currency: d.currency,
    queryAllow: (d.queryAllow || '').split(','),
    flushMs: 5000,
    batchSize: 20,
    maxQueue: 500,
    idleMs: 30000,
    minViewMs: 1000,
    overlayEveryMs: 30 * 60e3,
    triggers: ['exit_intent', 'cart_idle', 'checkout_back'],
    allowBots: false,
    ...overrides,
  }
  const map = { ...SELECTORS, ...overrides.selectors }
  cfg.sel = (name) => `[data-cartcoach="${name}"]` + (map[name] ? ',' + map[name] : '')
  cfg.api = cfg.api.replace(/\/$/, '')
  return cfg
}
