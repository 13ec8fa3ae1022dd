// The demo cart, kept in localStorage. Loaded before the snippet so that the
// first page view already carries the cart's value (cartcoach('page', ...)).
window.demoCart = {
  read: () => JSON.parse(localStorage.getItem('demo.cart') || '[]'),
  write: (items) => localStorage.setItem('demo.cart', JSON.stringify(items)),
  summary(items = this.read()) {
    return { value: Math.round(items.reduce((s, i) => s + i.price * i.qty, 0) * 100) / 100, items: items.reduce((s, i) => s + i.qty, 0) }
  },
}
cartcoach('page', { cart: demoCart.summary() })
