import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clean, MAX_EVENTS, nextBatch } from '../src/wire.js'

test('numbers are coerced and clamped to the collector bounds', () => {
  assert.deepEqual(clean('cart_add', { price: '19.90', quantity: 2.6, cart_value: -5 }), { type: 'cart_add', price: 19.9, quantity: 3, cart_value: 0 })
  assert.deepEqual(clean('review_view', { depth: 1.7, dwell_ms: 'x' }), { type: 'review_view', depth: 1 })
  assert.deepEqual(clean('checkout_step_enter', { step: 42 }), { type: 'checkout_step_enter', step: 10 })
})

test('unknown fields are dropped and text is cut to 64 characters', () => {
  const e = clean('form_error', { field: 'email', error: 'x'.repeat(100), value: 'jane@example.com' })
  assert.equal(e.error.length, 64)
  assert.equal(e.value, undefined)
})

test('an unknown type becomes a custom event instead of failing the whole batch', () => {
  assert.deepEqual(clean('wishlist_add', { product_id: 'p1', colour: 'red', nested: { a: 1 } }), {
    type: 'custom',
    name: 'wishlist_add',
    product_id: 'p1',
    props: { colour: 'red' },
  })
  assert.equal(clean('custom', {}), null)
})

test('survey answers outside the five reasons and "other" are dropped', () => {
  assert.equal(clean('survey_answer', { answer: 'price' }).answer, 'price')
  assert.equal(clean('survey_answer', { answer: '<script>' }).answer, undefined)
})

test('a batch takes the oldest context and at most 100 of its events', () => {
  const a = { s: 'sess-aaaa-0001', v: 'vis-aaaa-0001', p: { path: '/a', type: 'cart' } }
  const b = { ...a, p: { path: '/b', type: 'product' } }
  const items = [{ c: a, e: { id: 'e-0', type: 'idle', ts: 1 } }, { c: b, e: { id: 'e-1', type: 'idle', ts: 2 } }]
  for (let i = 2; i < 150; i++) items.push({ c: a, e: { id: 'e-' + i, type: 'idle', ts: i } })
  const batch = nextBatch(items, 'wk_demo_public_0001', 500)
  assert.equal(batch.events.length, MAX_EVENTS)
  assert.equal(batch.page.path, '/a')
  assert.ok(!batch.events.some((e) => e.id == 'e-1'))
  assert.deepEqual([batch.v, batch.session_id, batch.visitor_id, batch.sent_at], [1, a.s, a.v, 500])
  assert.equal(nextBatch([], 'k', 1), null)
})

test('a batch stays far below the 64 KiB body limit', () => {
  const c = { s: 'sess-aaaa-0001', v: 'vis-aaaa-0001', p: { path: '/' } }
  const items = Array.from({ length: 100 }, (_, i) => ({ c, e: { id: 'e-' + i, type: 'custom', ts: 1, name: 'n', props: { text: 'ğ'.repeat(256) } } }))
  const body = JSON.stringify(nextBatch(items, 'k', 1))
  assert.ok(Buffer.byteLength(body) < 64 * 1024)
})
