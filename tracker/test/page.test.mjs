import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cleanPath, guessType } from '../src/page.js'

test('page types are guessed from common store paths (en and tr)', () => {
  const cases = {
    '/': 'home',
    '/products/red-shoe': 'product',
    '/urun/kirmizi-ayakkabi': 'product',
    '/collections/shoes': 'listing',
    '/cart': 'cart',
    '/sepet': 'cart',
    '/checkout/2': 'checkout',
    '/odeme': 'checkout',
    '/checkout/thank-you': 'thank_you',
    '/about': 'other',
  }
  for (const [path, type] of Object.entries(cases)) assert.equal(guessType(path), type, path)
})

test('emails never leave in a path', () => {
  assert.equal(cleanPath('/account/jane.doe@example.com/orders'), '/account/:email/orders')
})
