import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createOverlay } from '../src/overlay.js'

const ui = new URL('./fixtures/count-ui.mjs', import.meta.url).href
const settle = () => new Promise((r) => setTimeout(r, 20))

test('two triggers answered together show one overlay, not two stacked', async () => {
  globalThis.window = { localStorage: { getItem: () => null, setItem() {}, removeItem() {} } }
  let answers = 0
  globalThis.fetch = async () => {
    answers++
    return { status: 200, json: async () => ({ title: 'Delivery time?' }) }
  }
  const ask = createOverlay({
    cfg: { key: 'k', api: 'http://api', triggers: ['cart_idle', 'exit_intent'], overlayEveryMs: 0, chunk: () => ui },
    emit() {},
    log: (e) => assert.fail(e),
    session: () => ({ id: 'sess-aaaa-0001' }),
    visitor: 'vis-aaaa-0001',
    page: () => ({ locale: 'en' }),
    product: () => ({}),
    cart: () => ({ cart_value: 40 }),
    outbox: { flush: async () => {} },
  })
  ask('cart_idle')
  ask('exit_intent')
  await settle()
  const { shown } = await import(ui)
  assert.equal(answers, 2) // both moments were asked about
  assert.deepEqual(shown, ['Delivery time?'])
})
