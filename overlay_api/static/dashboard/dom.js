// The dashboard pages' two element builders, shared by their scripts (loaded first). Text goes
// in as text (textContent), never as HTML: nothing a shopper, a store or the server wrote can
// become markup here.
"use strict";
window.CartcoachDom = Object.freeze({
  el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  },
  svgEl(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  },
});
