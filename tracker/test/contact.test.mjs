import assert from 'node:assert/strict'
import { afterEach, beforeEach, mock, test } from 'node:test'
import { identify } from '../src/contact/identify.js'
import { push } from '../src/contact/push.js'

const ID = 'ci_0123456789abcdef0123456789abcdef'
let calls
let responses

// The page's side of the wire: every call, in order (the outbox's flush included).
beforeEach(() => {
  calls = []
  responses = {}
  globalThis.fetch = async (url, init = {}) => {
    calls.push({ url: String(url), body: init.body && JSON.parse(init.body) })
    const r = responses[new URL(url).pathname] || { status: 204 }
    return { status: r.status, json: async () => r.json }
  }
})
afterEach(() => mock.restoreAll())

const ctx = (debug = false) => ({
  cfg: { api: 'https://api.example', key: 'wk_shop', debug },
  log() {},
  outbox: { flush: async () => calls.push({ url: 'flush' }) },
  session: () => ({ id: 'sess-aaaa-0001' }),
  visitor: 'vis-aaaa-0001',
  product: () => ({ product_id: 'p-42' }),
})

test('identify sends the opaque id after the queue, and nothing else', async () => {
  await identify(ctx(), ID)
  assert.deepEqual(calls, [
    { url: 'flush' },
    { url: 'https://api.example/v1/identify', body: { write_key: 'wk_shop', session_id: 'sess-aaaa-0001', visitor_id: 'vis-aaaa-0001', identify_id: ID, product_id: 'p-42' } },
  ])
})

for (const [what, value, kind] of [
  ['an e-mail address', 'ayla@example.com', 'e-mail'],
  ['a phone number', '+90 532 123 45 67', 'phone'],
  ['a raw customer id', 'customer-42', 'not an identify id'],
]) {
  test(`identify refuses ${what}, and says so only in debug mode, without echoing it`, async () => {
    const warn = mock.method(console, 'warn', () => {})
    await identify(ctx(false), value)
    assert.equal(warn.mock.callCount(), 0)
    await identify(ctx(true), value)
    assert.deepEqual(calls, [])
    assert.equal(warn.mock.callCount(), 1)
    const message = warn.mock.calls[0].arguments.join(' ')
    assert.match(message, new RegExp(kind))
    assert.ok(!message.includes(value), 'the refused value is not printed')
  })
}

// A browser with push: a service worker container, a PushManager and a permission prompt.
function browser({ permission = 'granted' } = {}) {
  const state = { prompts: 0, registered: [], subscribedWith: null, unsubscribed: 0 }
  const subscription = {
    endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
    toJSON: () => ({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: 'BPk', auth: 'AAA' } }),
    unsubscribe: async () => state.unsubscribed++,
  }
  const pushManager = {
    subscribe: async (options) => ((state.subscribedWith = options), subscription),
    getSubscription: async () => subscription,
  }
  const serviceWorker = {
    register: async (url) => state.registered.push(url),
    ready: Promise.resolve({ pushManager }),
    getRegistration: async () => ({ pushManager }),
  }
  Object.defineProperty(globalThis, 'navigator', { value: { serviceWorker }, configurable: true })
  globalThis.window = { PushManager: function () {} }
  globalThis.Notification = { requestPermission: async () => (state.prompts++, permission) }
  return state
}

test('push never asks without a click', async () => {
  const state = browser()
  await push(ctx(), undefined, false)
  assert.equal(state.prompts, 0)
  assert.deepEqual(calls, [])
})

test('push never asks when the store has not switched it on', async () => {
  const state = browser()
  responses['/v1/push/config'] = { status: 404 }
  await push(ctx(), undefined, true)
  assert.equal(state.prompts, 0)
  assert.deepEqual(calls.map((c) => c.url), ['https://api.example/v1/push/config?key=wk_shop'])
})

test('a refused prompt subscribes nothing', async () => {
  const state = browser({ permission: 'denied' })
  responses['/v1/push/config'] = { status: 200, json: { vapid_public_key: 'AQID' } }
  await push(ctx(), undefined, true)
  assert.equal(state.prompts, 1)
  assert.equal(state.subscribedWith, null)
  assert.equal(calls.length, 1)
})

test('after a click and a yes: the worker, a subscription with the store key, the POST', async () => {
  const state = browser()
  responses['/v1/push/config'] = { status: 200, json: { vapid_public_key: 'AQID_-8' } }
  await push(ctx(), undefined, true)
  assert.deepEqual(state.registered, ['/cartcoach-sw.js'])
  assert.equal(state.subscribedWith.userVisibleOnly, true)
  assert.deepEqual([...state.subscribedWith.applicationServerKey], [1, 2, 3, 255, 239])
  assert.deepEqual(calls[1], {
    url: 'https://api.example/v1/push/subscriptions',
    body: { write_key: 'wk_shop', session_id: 'sess-aaaa-0001', visitor_id: 'vis-aaaa-0001', subscription: { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: 'BPk', auth: 'AAA' } } },
  })
})

test("push(false) unsubscribes in the browser and tells the API", async () => {
  const state = browser()
  await push(ctx(), false)
  assert.equal(state.unsubscribed, 1)
  assert.deepEqual(calls, [{ url: 'https://api.example/v1/push/unsubscribe', body: { write_key: 'wk_shop', endpoint: 'https://fcm.googleapis.com/fcm/send/abc' } }])
})
