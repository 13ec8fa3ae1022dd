// Which storefront platform renders this page, from markers every shop on it
// carries (globals, asset hosts, body classes). Only the name is found here:
// the adapters themselves are a chunk loaded when a platform is recognised.

const has = (sel) => !!document.querySelector(sel)
const asset = (host) => has(`script[src*="${host}"],link[href*="${host}"],img[src*="${host}"]`)

export const MARKERS = {
  shopify: () => window.Shopify?.shop || asset('cdn.shopify.com'),
  woocommerce: () => /\bwoocommerce(-page|-cart|-checkout)?\b/.test(document.body.className) || window.wc_add_to_cart_params || window.woocommerce_params,
  magento: () => has('script[type="text/x-magento-init"],[data-mage-init]'),
  prestashop: () => window.prestashop?.urls || has('meta[name=generator][content*=PrestaShop]'),
  opencart: () => has('a[href*="route=checkout/cart"],a[href*="route=product/"],link[href*="catalog/view/theme"],script[src*="catalog/view/javascript"]'),
  ikas: () => asset('myikas.com') || asset('cdn.ikas'),
  ideasoft: () => asset('myideasoft.com') || has('a[href*="ideasoft.com.tr"]'),
  tsoft: () => Array.isArray(window.ON_PAGE_READY) || has('a[href*="tsoft.com.tr"],script[src*="tsoft"]'),
  ticimax: () => asset('ticimax') || has('a[href*="ticimax.com"]'),
}

/** The platform's name, or undefined. */
export const sniff = () => Object.keys(MARKERS).find((k) => {
  try {
    return MARKERS[k]()
  } catch (e) {}
})
