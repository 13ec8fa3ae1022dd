// Who and which visit, kept in first-party storage. Pure rules over records so
// they can be tested without a browser.

export const SESSION_IDLE_MS = 30 * 60e3
export const VISITOR_TTL_MS = 180 * 864e5

/** The session record after activity at `now`: a new one after 30 idle minutes. */
export function touchSession(rec, now, newId) {
  return rec?.id && now - rec.t < SESSION_IDLE_MS
    ? { ...rec, t: now }
    : { id: newId(), t: now }
}

/** The visitor record at `now`: kept while seen within its lifetime, which slides. */
export function touchVisitor(rec, now, newId) {
  return { id: rec?.x > now ? rec.id : newId(), x: now + VISITOR_TTL_MS }
}
