// cartcoach-sw.js: the service worker a store hosts at its own origin (browsers only
// run service workers from the page's origin), e.g. https://shop.example/cartcoach-sw.js.
// It shows the follow-up notifications cartcoach sends (the payload is JSON: title,
// body, url, tag), and a click opens the store's link. Text only: no HTML anywhere.
self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch (e) {
    data = { body: event.data.text() }
  }
  event.waitUntil(self.registration.showNotification(String(data.title || ''), { body: String(data.body || ''), tag: data.tag, data: { url: data.url } }))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = event.notification.data && event.notification.data.url
  // Only the store's own pages: a link elsewhere is not opened.
  if (url && new URL(url).origin == self.location.origin) event.waitUntil(self.clients.openWindow(url))
})
