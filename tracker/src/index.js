// Entry point: reads the tag, replays the calls the stub queued, and starts
// tracking once it is allowed (a key, not a bot, GPC/DNT and consent as the
// store configured).
//   window.cartcoach = window.cartcoach || function(){(cartcoach.q=cartcoach.q||[]).push(arguments)}
import { readConfig } from './config.js'
import { onError, safe } from './guard.js'
import { store } from './storage.js'
import { start } from './tracker.js'

const stub = window.cartcoach
if (!stub?.loaded) safe(main)()

function main() {
  const calls = Array.from(stub?.q || [], (a) => [...a])
  const cfg = readConfig(document.currentScript || document.querySelector('script[data-key]'), Object.assign({}, ...calls.map((c) => c[0] == 'config' && c[1])))
  const log = (...a) => cfg.debug && console.debug('[cartcoach]', ...a)
  onError(log)
  const off = !cfg.key || (navigator.webdriver && !cfg.allowBots) || (cfg.respectGpc && (navigator.globalPrivacyControl || navigator.doNotTrack == '1'))
  let allowed = !cfg.consent || store.get('consent') == 1
  // Calls wait here until tracking starts; null once it has.
  let pending = []
  let run = (a) => pending && pending.push(a)
  const begin = () => allowed && !off && pending && ((run = start(cfg, log, () => allowed, pending)), (pending = null))

  const api = (window.cartcoach = safe((...a) => {
    if (a[0] == 'consent') {
      store.set('consent', a[1] ? 1 : 0)
      if (!(allowed = !!a[1])) {
        // Refused or withdrawn: forget what is waiting and who this was.
        pending = pending && []
        ;['q', 's', 'v'].forEach(store.del)
      }
      // Not while replaying: the queued calls all go in before the first page view.
      if (api.loaded) begin()
    } else if (a[0] != 'config') run(a)
  }))
  calls.forEach((a) => api(...a))
  api.loaded = 1
  begin()
}
