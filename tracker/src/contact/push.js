// cartcoach('push'): web push, asked for only when the shopper clicked something that
// says so (the store calls this from its own button) and only when the store switched
// it on (GET /v1/push/config answers its VAPID key; 404 otherwise, and nothing is asked).
// Then: the browser's permission prompt, the store's service worker (cartcoach-sw.js at
// the store's own origin, see docs/tracker.md), a subscription with the store's key, and
// the subscription POSTed to the API. cartcoach('push', false) turns it off again.

const decode = (b64url) => Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))

const post = (cfg, path, body) =>
  fetch(cfg.api + path, { method: 'POST', body: JSON.stringify({ write_key: cfg.key, ...body }), keepalive: true, credentials: 'omit' })

export async function push({ cfg, log, session, visitor }, on = true, gesture) {
  const sw = navigator.serviceWorker
  if (!sw || !window.PushManager) return log('push: not supported here')
  if (on === false) {
    const sub = await (await sw.getRegistration())?.pushManager.getSubscription()
    if (!sub) return
    await sub.unsubscribe()
    return post(cfg, '/v1/push/unsubscribe', { endpoint: sub.endpoint }).then((r) => log('push off', r.status))
  }
  // No prompt out of the blue: only in answer to the shopper's own click or key press.
  if (gesture === false) return log('push: call it from a click handler')
  const r = await fetch(cfg.api + '/v1/push/config?key=' + encodeURIComponent(cfg.key), { credentials: 'omit' })
  if (r.status != 200) return log('push: off for this store')
  const { vapid_public_key: key } = await r.json()
  if ((await Notification.requestPermission()) != 'granted') return log('push: not allowed')
  await sw.register(cfg.sw || '/cartcoach-sw.js')
  const reg = await sw.ready
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: decode(key) })
  const saved = await post(cfg, '/v1/push/subscriptions', { session_id: session().id, visitor_id: visitor, subscription: sub.toJSON() })
  log('push on', saved.status)
}
