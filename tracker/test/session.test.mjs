import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SESSION_IDLE_MS, touchSession, touchVisitor, VISITOR_TTL_MS } from '../src/session.js'

let n = 0
const newId = () => 'id-' + ++n

test('a session continues while activity is less than 30 minutes apart', () => {
  const s1 = touchSession(undefined, 1000, newId)
  const s2 = touchSession(s1, 1000 + SESSION_IDLE_MS - 1, newId)
  assert.equal(s2.id, s1.id)
  assert.equal(s2.t, 1000 + SESSION_IDLE_MS - 1)
})

test('30 minutes without activity start a new session', () => {
  const s1 = touchSession({ id: 'old', t: 0, page: 'cart' }, 0, newId)
  const s2 = touchSession(s1, SESSION_IDLE_MS, newId)
  assert.notEqual(s2.id, 'old')
  assert.equal(s2.page, undefined, 'a new session forgets the last page')
})

test('the visitor id lives 180 days after the last visit', () => {
  const v1 = touchVisitor(undefined, 0, newId)
  assert.equal(v1.x, VISITOR_TTL_MS)
  const v2 = touchVisitor(v1, VISITOR_TTL_MS - 1, newId)
  assert.equal(v2.id, v1.id)
  assert.notEqual(touchVisitor(v2, v2.x + 1, newId).id, v1.id)
})
