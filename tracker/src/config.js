// Settings from the tag's data- attributes, overridden by cartcoach('config', {...})
// calls queued before the script ran (tunables and the per-store selector map,
// which the page-understanding chunk reads as cfg.selectors).

export function readConfig(script, overrides) {
  const d = script?.dataset || {}
  const base = new URL(script?.src || location.href)
  const cfg = {
    key: d.key,
    api: d.api || base.origin,
    // The chunks (overlay UI, page understanding, platform adapters, debug panel) sit
    // next to the snippet; their hashed names are set at build time.
    chunk: (name) => new URL(__CHUNKS__[name], base).href,
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
  cfg.api = cfg.api.replace(/\/$/, '')
  return cfg
}
