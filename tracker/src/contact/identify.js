// cartcoach('identify', id): says "this session is that customer" with the opaque id the
// store's back end got from POST /v1/contacts (ci_ and 32 hex digits, an HMAC of its
// customer id). Nothing else is accepted: an e-mail address, a phone number or a raw
// customer id never leaves the page (in debug mode the console says why).
// The queue goes first, so the server links a session whose events it already has.

export const OPAQUE_ID = /^ci_[0-9a-f]{32}$/

/** Whether `id` may be sent; warns (debug mode only) without echoing a refused value. */
export function opaque(id, debug) {
  if (OPAQUE_ID.test(id)) return true
  const kind = /@/.test(id) ? 'an e-mail address' : /^[+\d][\d\s().-]{6,}$/.test(id) ? 'a phone number' : 'not an identify id'
  if (debug) console.warn(`[cartcoach] identify refused (${kind}): send the ci_ id from POST /v1/contacts, never personal data`)
  return false
}

export function identify({ cfg, log, outbox, session, visitor, product }, id) {
  if (!opaque(String(id), cfg.debug)) return
  return outbox
    .flush()
    .then(() => {
      const body = { write_key: cfg.key, session_id: session().id, visitor_id: visitor, identify_id: id }
      const p = product().product_id
      if (p) body.product_id = String(p).slice(0, 64)
      return fetch(cfg.api + '/v1/identify', { method: 'POST', body: JSON.stringify(body), keepalive: true, credentials: 'omit' })
    })
    .then((r) => log('identify', r.status))
    .catch(log)
}
