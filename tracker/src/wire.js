// The wire format of scorer/events.py, seen from the browser. One value out of
// bounds makes the collector reject the whole batch (422), so events are
// clamped and trimmed here, before they are queued.

export const TYPES = ('page_view idle tab_hidden tab_visible exit_intent cart_view cart_add ' +
  'cart_remove cart_dwell cart_to_product shipping_info_open review_view return_policy_view ' +
  'warranty_view price_filter price_sort coupon_focus installment_view copy_product_info ' +
  'checkout_step_enter checkout_step_leave form_error payment_failed purchase refund ' +
  'overlay_impression overlay_click overlay_dismiss survey_answer custom').split(' ')
export const ANSWERS = 'price trust shipping_speed indecision checkout_friction other'.split(' ')
export const PAGE_TYPES = 'home listing product cart checkout thank_you search other'.split(' ')
export const MAX_EVENTS = 100
// Characters, not bytes: a UTF-8 character takes at most 3 bytes, so this stays
// under the 64 KiB beacon and body limit whatever the text.
export const MAX_CHARS = 20000
export const MAX_AGE_MS = 7 * 864e5

const MONEY = [0, 1e9]
const COUNT = [0, 1e4, 1]
const NUMBERS = {
  price: MONEY, cart_value: MONEY, amount: MONEY, quantity: COUNT, cart_items: COUNT,
  dwell_ms: [0, 1e14, 1], depth: [0, 1], step: [1, 10, 1],
}
const TEXTS = 'product_id field error experiment arm variant incentive order_id name'.split(' ')

// The detector that found a signal: api, attr, a platform, datalayer, schema, text, url.
export const SOURCE = /^[a-z0-9_-]{1,16}$/

const text = (v, n = 64) => (v == null || v === '' ? undefined : String(v).slice(0, n))

// A store's own properties: at most 20, short keys, scalar values only.
function bag(src, out) {
  for (const k in src) {
    const v = src[k]
    const t = typeof v
    if (k && Object.keys(out).length < 20 && (t == 'string' || t == 'boolean' || (t == 'number' && isFinite(v)))) out[k.slice(0, 64)] = t == 'string' ? v.slice(0, 256) : v
  }
}

/** An event body (without id and ts) that the collector will accept, or null. */
export function clean(type, props) {
  props = props || {}
  const e = {}
  const extra = {}
  if (!TYPES.includes(type)) {
    // Unknown types would fail the whole batch: send them as the store's own event.
    e.name = text(type)
    type = 'custom'
  }
  for (const k in props) {
    const v = props[k]
    const range = NUMBERS[k]
    if (range) {
      const n = v === null || v === '' ? NaN : +v
      if (isFinite(n)) e[k] = Math.min(Math.max(range[2] ? Math.round(n) : n, range[0]), range[1])
    } else if (TEXTS.includes(k)) {
      if (text(v)) e[k] = text(v)
    } else if ((k == 'answer' && ANSWERS.includes(v)) || (k == 'page_type' && PAGE_TYPES.includes(v)) || (k == 'src' && SOURCE.test(v))) {
      e[k] = v
    } else if (k == 'props') {
      bag(v, extra)
    } else if (type == 'custom') {
      bag({ [k]: v }, extra)
    }
  }
  if (type == 'custom' && !e.name) return null
  if (Object.keys(extra).length) e.props = extra
  e.type = type
  return e
}

/**
 * The next batch to send from the queued items ({c: context, e: event}): the
 * oldest item's context and as many later events sharing it as fit.
 */
export function nextBatch(items, key, now) {
  if (!items.length) return null
  const c = items[0].c
  const ck = JSON.stringify(c)
  const events = []
  let size = ck.length + 200
  for (const it of items) {
    const s = JSON.stringify(it.e).length + 1
    if (events.length == MAX_EVENTS || size + s > MAX_CHARS) break
    if (JSON.stringify(it.c) == ck) {
      events.push(it.e)
      size += s
    }
  }
  return { v: 1, write_key: key, visitor_id: c.v, session_id: c.s, sent_at: now, page: c.p, events }
}
