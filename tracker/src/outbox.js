// The outbox: undelivered events wait in storage (so they survive page loads
// and are shared by tabs) and leave in batches, on size, on a timer and when
// the page is hidden. text/plain bodies are CORS-simple: no preflight.
// 503s (and 5xx, 429, network failures) are retried with backoff; any other
// 4xx is final: that batch is dropped and counted, never retried forever.
import { after } from './guard.js'
import { MAX_AGE_MS, nextBatch } from './wire.js'

export function createOutbox({ store, url, key, cfg, log, allowed }) {
  let timer = 0
  // The request in flight, if any: one at a time, and flush() can wait for it.
  let busy = null
  let failures = 0
  let retryAt = 0

  const read = () => ({ items: [], dropped: 0, rejected: 0, ...store.get('q') })
  const save = (change) => {
    const q = read()
    change(q)
    // After consent is withdrawn nothing is written again (a batch in flight may still finish).
    allowed() && store.set('q', q)
    return q
  }
  const remove = (ids, counter) =>
    save((q) => {
      q.items = q.items.filter((it) => !ids.includes(it.e.id))
      if (counter) q[counter] += ids.length
    })
  // The collector refuses events older than a week: they are never offered.
  const batch = () => nextBatch(read().items.filter((it) => it.e.ts > Date.now() - MAX_AGE_MS), key, Date.now())
  const later = (ms) => {
    clearTimeout(timer)
    timer = after(ms, () => {
      timer = 0
      send()
    })
  }

  /** Send the next batch (one request at a time); resolves when it is answered or failed. */
  function send() {
    const wait = retryAt - Date.now()
    if (wait > 0) return later(wait)
    const b = !busy && batch()
    if (!b) return busy
    const ids = b.events.map((e) => e.id)
    return (busy = fetch(url, { method: 'POST', body: JSON.stringify(b), keepalive: true, credentials: 'omit' })
      .then((r) => {
        if (r.status > 499 || r.status == 429) throw +r.headers.get('Retry-After')
        remove(ids, !r.ok && 'rejected')
        failures = 0
        retryAt = 0
        later(0)
      })
      .catch((retryAfter) => {
        // Retry-After (seconds) when the collector says, else 1, 2, 4 ... 60 s, jittered.
        const ms = retryAfter > 0 ? retryAfter * 1000 : Math.min(1000 * 2 ** failures++, 60e3) * (0.75 + Math.random() / 2)
        log('retry in', ms)
        retryAt = Date.now() + ms
        later(ms)
      })
      .finally(() => (busy = null)))
  }

  return {
    /** Queue an item ({c: batch context, e: event}); the oldest go first when full. */
    push(item) {
      const q = save((q) => {
        q.items.push(item)
        q.dropped += q.items.splice(0, Math.max(q.items.length - cfg.maxQueue, 0)).length
      })
      if (q.items.length >= cfg.batchSize) later(0)
      else if (!timer) later(cfg.flushMs)
    },
    /**
     * The page is being hidden or left: hand batches to sendBeacon (fetch
     * keepalive as the fallback). While the collector is failing, keep them
     * queued instead: the next page load retries.
     */
    final() {
      for (let i = 0, b; i < 3 && !failures && !retryAt && (b = batch()); i++) {
        const body = JSON.stringify(b)
        // With the fallback the outcome is unknown: the events stay queued and the server dedupes ids.
        if (!navigator.sendBeacon?.(url, body)) return fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).catch(log)
        remove(b.events.map((e) => e.id))
      }
    },
    send,
    /**
     * Deliver everything queued now (a few batches at most), e.g. before asking
     * for an overlay, so the decision sees every event so far. Never rejects.
     */
    async flush() {
      for (let i = 0; i < 4 && !retryAt && batch(); i++) await (busy || send())
    },
  }
}
