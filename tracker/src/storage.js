// localStorage with a memory fallback: storage can be full, disabled or throw
// (private modes, sandboxed frames) and the host page must never notice.
const mem = {}
const ls = () => window.localStorage

export const store = {
  get(k) {
    try {
      const v = ls().getItem('cartcoach.' + k)
      return v == null ? mem[k] : JSON.parse(v)
    } catch (e) {
      return mem[k]
    }
  },
  set(k, v) {
    mem[k] = v
    try {
      ls().setItem('cartcoach.' + k, JSON.stringify(v))
    } catch (e) {}
  },
  del(k) {
    delete mem[k]
    try {
      ls().removeItem('cartcoach.' + k)
    } catch (e) {}
  },
}
