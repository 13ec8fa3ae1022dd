// localStorage, or memory where storage is unavailable (disabled, sandboxed
// frames): it can throw, and the host page must never notice.
const mem = {}
const ls = () => window.localStorage

export const store = {
  get(k) {
    try {
      return JSON.parse(ls().getItem('cartcoach.' + k))
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
