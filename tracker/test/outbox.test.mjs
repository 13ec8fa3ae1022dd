import assert from 'node:assert/strict'
import { afterEach, beforeEach, mock, test } from 'node:test'
import { createOutbox } from '../src/outbox.js'

const memoryStore = () => {
  const data = {}
  return { data, get: (k) => structuredClone(data[k]), set: (k, v) => (data[k] = structuredClone(v)) }
}
const item = (i, ts = Date.now()) => ({ c: { s: 'sess-aaaa-0001', v: 'vis-aaaa-0001', p: { path: '/' } }, e: { id: 'evt-' + i, type: 'idle', ts } })
const cfg = { maxQueue: 3, batchSize: 100, flushMs: 5000 }
let posts

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 })
  posts = []
})
afterEach(() => mock.timers.reset())

const respond = (...statuses) =>
  (globalThis.fetch = async (url, init) => {
    posts.push(JSON.parse(init.body))
    const status = statuses.length > 1 ? statuses.shift() : statuses[0]
    return { status, ok: status < 300, headers: new Headers(status == 503 ? { 'Retry-After': '2' } : status == 429 ? { 'Retry-After': '30' } : {}) }
  })
const settle = () => new Promise((r) => setImmediate(r))

test('a full queue drops the oldest events and counts them', () => {
  const store = memoryStore()
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  for (let i = 0; i < 5; i++) box.push(item(i))
  assert.deepEqual(store.data.q.items.map((it) => it.e.id), ['evt-2', 'evt-3', 'evt-4'])
  assert.equal(store.data.q.dropped, 2)
})

test('events are sent on the timer and forgotten once accepted', async () => {
  const store = memoryStore()
  respond(202)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  box.push(item(1))
  mock.timers.tick(4999)
  assert.equal(posts.length, 0)
  mock.timers.tick(1)
  await settle()
  assert.deepEqual(posts[0].events.map((e) => e.id), ['evt-1'])
  assert.equal(store.data.q.items.length, 0)
})

test('a 503 keeps the batch and retries after Retry-After', async () => {
  const store = memoryStore()
  respond(503, 202)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  box.push(item(1))
  box.send()
  await settle()
  assert.equal(store.data.q.items.length, 1)
  mock.timers.tick(1999)
  await settle()
  assert.equal(posts.length, 1)
  mock.timers.tick(1)
  await settle()
  assert.equal(posts.length, 2)
  assert.equal(store.data.q.items.length, 0)
})

test('a 429 (rate limited) keeps the batch and waits the Retry-After before sending again', async () => {
  const store = memoryStore()
  respond(429, 202)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  box.push(item(1))
  box.send()
  await settle()
  assert.equal(store.data.q.items.length, 1)
  assert.equal(store.data.q.rejected, 0)
  box.push(item(2))
  box.send() // asked to send again meanwhile: still waits
  mock.timers.tick(29_999)
  await settle()
  assert.equal(posts.length, 1)
  mock.timers.tick(1)
  await settle()
  assert.equal(posts.length, 2)
  assert.equal(store.data.q.items.length, 0)
})

test('a 4xx is final: the batch is dropped, counted and not retried', async () => {
  const store = memoryStore()
  respond(422)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  box.push(item(1))
  box.send()
  await settle()
  assert.equal(store.data.q.items.length, 0)
  assert.equal(store.data.q.rejected, 1)
  mock.timers.tick(120_000)
  await settle()
  assert.equal(posts.length, 1)
})

test('events older than a week are never offered to the collector', async () => {
  const store = memoryStore()
  respond(202)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => true })
  box.push(item('old', Date.now() - 8 * 864e5))
  box.push(item('new'))
  box.send()
  await settle()
  assert.deepEqual(posts[0].events.map((e) => e.id), ['evt-new'])
})

test('after consent is withdrawn a batch still in flight writes nothing back', async () => {
  const store = memoryStore()
  let allowed = true
  respond(202)
  const box = createOutbox({ store, url: '/v1/collect', key: 'k', cfg, log() {}, allowed: () => allowed })
  box.push(item(1))
  box.send()
  allowed = false
  delete store.data.q // what withdrawing consent does
  await settle()
  assert.equal(posts.length, 1)
  assert.equal('q' in store.data, false)
})
