// The chunk for reaching the shopper after the page: identify and web push, loaded
// only when the store calls cartcoach('identify', id) or cartcoach('push').
export { identify } from './identify.js'
export { push } from './push.js'
