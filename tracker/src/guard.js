// Nothing the snippet does may throw into the host page: every callback it
// registers runs through safe(), which swallows (and, in debug, logs) errors.
let report = () => {}
export const onError = (f) => (report = f)

export const safe =
  (f) =>
  (...a) => {
    try {
      return f(...a)
    } catch (e) {
      report(e)
    }
  }

export const on = (target, type, f, opts) => target.addEventListener(type, safe(f), opts)
export const after = (ms, f) => setTimeout(safe(f), ms)
