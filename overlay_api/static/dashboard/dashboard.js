// cartcoach CRO dashboard: plain JavaScript, hand-written SVG, text inserted as text only.
// The secret keys live in sessionStorage (this tab only) and go out as Authorization headers;
// the live stream uses a short-lived token because EventSource cannot send headers.
"use strict";
(function () {
  const REASONS = ["price", "trust", "shipping_speed", "indecision", "checkout_friction"];
  const MAX_ROWS = 100;
  const KEYS = "cartcoach.dashboard.keys";
  const $ = (id) => document.getElementById(id);
  const state = { keys: JSON.parse(sessionStorage.getItem(KEYS) || "{}"), store: null, info: null,
                  source: null, lastId: null, timer: null, retry: null };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svgEl(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");
  const money = (v) => (v === null || v === undefined ? "–" :
    v.toLocaleString("en", { maximumFractionDigits: 2 }) + " " + ((state.info && state.info.currency) || ""));
  const color = (reason) => getComputedStyle(document.documentElement).getPropertyValue("--" + reason).trim() || "#888";
  function status(text, cls) { const s = $("status"); s.textContent = text; s.className = cls || ""; }

  async function api(path, options) {
    const key = state.keys[state.store];
    const response = await fetch(path, Object.assign({ headers: { Authorization: "Bearer " + key }, cache: "no-store" }, options || {}));
    if (response.status === 401) { forget(state.store); throw new Error("unauthorized"); }
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response.json();
  }

  // ---- sign in -------------------------------------------------------------------------------
  async function signIn(key) {
    const response = await fetch("/dashboard/api/token", { method: "POST", headers: { Authorization: "Bearer " + key } });
    if (!response.ok) throw new Error(response.status === 401 ? "That key is not a store's secret key." : "Sign-in failed (" + response.status + ").");
    const info = await response.json();
    state.keys[info.store_id] = key;
    sessionStorage.setItem(KEYS, JSON.stringify(state.keys));
    return info;
  }
  function forget(store) {
    delete state.keys[store];
    sessionStorage.setItem(KEYS, JSON.stringify(state.keys));
    stop();
    showLogin("Signed out: the key was refused.");
  }
  function showLogin(message) {
    $("app").hidden = true; $("login").hidden = false; $("login-error").textContent = message || "";
    $("secret").value = ""; $("secret").focus();
  }
  function stop() {
    if (state.source) state.source.close();
    clearInterval(state.timer); clearTimeout(state.retry);
    state.source = null;
  }

  async function open(store) {
    stop();
    state.store = store;
    const select = $("f-store");
    select.replaceChildren(...Object.keys(state.keys).sort().map((id) => el("option", { value: id }, id)));
    select.value = store;
    $("login").hidden = true; $("app").hidden = false;
    $("feed").tBodies[0].replaceChildren();
    state.lastId = null;
    await connect();
    refresh();
    state.timer = setInterval(refresh, 5000);
  }

  // ---- live feed -----------------------------------------------------------------------------
  async function connect() {
    let info;
    try {
      const key = state.keys[state.store];
      const response = await fetch("/dashboard/api/token", { method: "POST", headers: { Authorization: "Bearer " + key } });
      if (response.status === 401) return forget(state.store);
      info = await response.json();
    } catch (err) {
      status("Server unreachable, retrying…", "down");
      state.retry = setTimeout(connect, 2000);
      return;
    }
    state.info = info;
    // The flows panels (flow_report.js, shopper_plan.js) follow the store shown here.
    document.dispatchEvent(new CustomEvent("cartcoach:store", { detail: { key: state.keys[state.store], info } }));
    const q = new URLSearchParams({ token: info.token, reason: $("f-reason").value, device: $("f-device").value });
    if (state.lastId) q.set("last_event_id", state.lastId);
    const source = new EventSource("/dashboard/stream?" + q);
    state.source = source;
    source.onopen = () => status("Live · " + info.store_id, "live");
    source.addEventListener("profile", (e) => { state.lastId = e.lastEventId; show(JSON.parse(e.data)); });
    source.onerror = () => {
      status("Reconnecting…", "down");
      // The browser retries by itself (sending Last-Event-ID); when it gives up
      // (e.g. the token expired: 401) start again with a fresh token.
      if (source.readyState === EventSource.CLOSED && state.source === source) {
        state.retry = setTimeout(connect, 1000);
      }
    };
  }

  // The session, and a button that opens its shopper's plan (shopper_plan.js listens).
  function sessionCell(session) {
    const td = el("td", { class: "session" }, session + " ");
    td.append(el("button", { type: "button", class: "plan-link", "data-session": session, "aria-label": "Plan of " + session }, "plan"));
    return td;
  }

  function show(p) {
    const body = $("feed").tBodies[0];
    const old = body.querySelector('tr[data-session="' + CSS.escape(p.session_id) + '"]');
    if (old) old.remove();
    const tr = el("tr", { "data-session": p.session_id, "data-id": p.id, class: "fresh" });
    tr.append(
      el("td", {}, new Date(p.at).toLocaleTimeString()),
      sessionCell(p.session_id),
      el("td", {}, p.device || "–"),
      el("td", { class: "cart" }, money(p.cart_value)),
    );
    const reason = el("td", { class: "reason" });
    const tag = el("span", { class: "tag" }, p.top_reason);
    tag.style.background = color(p.top_reason);
    reason.append(tag, el("span", { class: "confidence" }, " " + pct(p.confidence)));
    const evidence = el("td", { class: "evidence" }, (p.evidence || []).join("; "));
    // focused: the variants all answered the top reason; hedged: they spread over the likely ones.
    const mode = p.overlay && p.overlay.mode && p.overlay.mode !== "none" ? " · " + p.overlay.mode : "";
    const overlay = p.overlay ? (p.overlay.arm === "holdout" ? "holdout (nothing shown)" + mode : p.overlay.incentive + " · " + p.overlay.arm + mode) : "–";
    // Until the risk model has shown it orders sessions, its number is the same prior for all.
    const risk = p.risk_trained
      ? el("td", { class: "risk" }, pct(p.risk))
      : el("td", { class: "risk untrained", title: "The risk model has not yet learned enough outcomes to rank sessions" }, "risk not yet trained");
    tr.append(reason, risk, evidence, el("td", { class: "overlay" }, overlay),
              el("td", { class: "outcome" }, p.outcome || "open"));
    body.prepend(tr);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    $("feed-count").textContent = "(" + body.rows.length + " sessions)";
  }

  // ---- summaries and charts ------------------------------------------------------------------
  async function refresh() {
    const q = new URLSearchParams({ reason: $("f-reason").value, device: $("f-device").value });
    try {
      const [summary, report, installation] = await Promise.all([
        api("/dashboard/api/summary?" + q),
        api("/v1/experiments/" + encodeURIComponent(state.info ? state.info.experiment : "") + "/report"),
        api("/dashboard/api/installation"),
      ]);
      drawSummary(summary);
      drawReport(report);
      drawInstallation(installation);
    } catch (err) { /* shown by the status line; retried on the next tick */ }
  }

  // ---- installation: signals and detectors per page type, and what to add -------------------
  function drawInstallation(view) {
    const body = $("installation").tBodies[0];
    body.replaceChildren();
    const types = Object.keys(view.pages);
    if (!types.length) {
      const row = el("tr");
      row.append(el("td", { colspan: "3", class: "muted" }, "Nothing seen yet: is the tag on your pages?"));
      body.append(row);
    }
    for (const type of types) {
      const page = view.pages[type];
      const row = el("tr", { "data-page-type": type });
      row.append(el("th", { scope: "row" }, type));
      const signals = el("ul", { class: "signals" });
      for (const s of page.signals) signals.append(el("li", { "data-signal": s.type }, `${s.type} · ${s.src} × ${s.count}`));
      const missing = el("ul", { class: "missing" });
      for (const m of page.missing) {
        const item = el("li", { "data-signal": m.signal });
        item.append(el("strong", {}, m.signal), document.createTextNode(" — " + m.suggestion));
        missing.append(item);
      }
      const cellSignals = el("td"); cellSignals.append(signals);
      const cellMissing = el("td"); cellMissing.append(missing);
      row.append(cellSignals, cellMissing);
      body.append(row);
    }
    const other = $("install-other");
    other.replaceChildren(...view.other_pages.map((p) => el("li", {}, `${p.path} × ${p.count}`)));
    $("install-other-hint").textContent = view.other_suggestion || "None: every page got a type.";
  }

  function drawSummary(s) {
    const mix = s.reason_mix;
    const width = 420, height = 160, pad = 22;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Reason mix per minute" });
    const totals = mix.buckets.map((_, i) => REASONS.reduce((sum, r) => sum + mix.series[r][i], 0));
    const top = Math.max(1, ...totals);
    const slot = Math.min(24, (width - pad) / Math.max(1, mix.buckets.length));
    mix.buckets.forEach((start, i) => {
      let y = height - pad;
      for (const r of REASONS) {
        const n = mix.series[r][i];
        if (!n) continue;
        const h = (n / top) * (height - 2 * pad);
        y -= h;
        const rect = svgEl("rect", { x: pad + i * slot + 1, y, width: Math.max(1, slot - 2), height: h, fill: color(r), "data-reason": r, "data-count": n });
        rect.append(svgEl("title", {}, `${new Date(start).toLocaleTimeString()} · ${r}: ${n}`));
        svg.append(rect);
      }
    });
    svg.append(svgEl("text", { x: 0, y: 12 }, top), svgEl("text", { x: 0, y: height - pad }, 0));
    $("mix-chart").replaceChildren(svg);
    $("mix-legend").replaceChildren(...REASONS.map((r) => {
      const li = el("li", {}, r); li.style.setProperty("--c", color(r)); return li;
    }));
    $("h-version").textContent = s.model_version || (s.health.model_versions[0] || "–");
    $("h-accuracy").textContent = s.health.accuracy === null ? "no survey answers yet" : pct(s.health.accuracy);
    $("h-answers").textContent = s.health.answers;
    const alarms = [s.health.alarm, mix.alarm].filter(Boolean);
    $("alarms").replaceChildren(...(alarms.length ? alarms.map((a) => el("li", {}, a)) : [el("li", { class: "ok" }, "No drift alarms")]));
  }

  // Horizontal bars, one per arm; optional interval whiskers; labels are the report's numbers.
  function bars(target, rows, value, low, high, format, signed) {
    const width = 320, rowH = 26, left = 70, right = 70;
    const height = rows.length * rowH + 10;
    // Named by its figure's caption, so a screen reader announces what the chart is.
    const caption = $(target).closest("figure").querySelector("figcaption");
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": caption ? caption.textContent : target });
    const values = rows.flatMap((r) => [value(r), low ? low(r) : null, high ? high(r) : null]).filter((v) => v !== null && v !== undefined);
    const lo = signed ? Math.min(0, ...values) : 0, hi = Math.max(signed ? 0 : 1e-9, ...values);
    const span = hi - lo || 1;
    const x = (v) => left + ((v - lo) / span) * (width - left - right);
    rows.forEach((r, i) => {
      const y = 5 + i * rowH, v = value(r);
      svg.append(svgEl("text", { x: 0, y: y + 15 }, r.arm));
      if (v !== null && v !== undefined) {
        svg.append(svgEl("rect", { x: Math.min(x(0), x(v)), y: y + 4, width: Math.max(1, Math.abs(x(v) - x(0))), height: rowH - 10,
          fill: r.arm === "holdout" ? "#9a9aa0" : "#2456c9", "data-arm": r.arm, "data-value": v }));
        if (low && low(r) !== null && high(r) !== null) {
          svg.append(svgEl("line", { x1: x(low(r)), x2: x(high(r)), y1: y + rowH / 2 - 1, y2: y + rowH / 2 - 1, stroke: "#1d1d1f", "stroke-width": 1.5, "data-arm": r.arm }));
        }
      }
      svg.append(svgEl("text", { x: width - right + 6, y: y + 15, class: "value", "data-arm": r.arm }, format(v)));
    });
    if (signed) svg.append(svgEl("line", { x1: x(0), x2: x(0), y1: 0, y2: height, stroke: "#999", "stroke-dasharray": "2 2" }));
    $(target).replaceChildren(svg);
  }

  function drawReport(report) {
    $("exp-name").textContent = report.experiment;
    $("exp-method").textContent = report.method + " · margin " + report.margin_pct + "% of revenue · revenue " + report.revenue_basis;
    const rows = report.rows.filter((r) => r.reason === "all");
    $("exp-counts").tBodies[0].replaceChildren(...rows.map((r) => {
      const tr = el("tr", { "data-arm": r.arm });
      tr.append(el("th", { scope: "row" }, r.arm),
        ...["exposures", "clicks", "recoveries", "orders"].map((k) => el("td", { "data-metric": k }, r[k])),
        el("td", { "data-metric": "revenue", "data-value": r.revenue }, money(r.revenue)));
      return tr;
    }));
    bars("chart-recovery", rows, (r) => r.recovery_rate, (r) => r.recovery_rate_low, (r) => r.recovery_rate_high, pct);
    bars("chart-uplift", rows.filter((r) => r.arm !== "holdout"), (r) => r.uplift, (r) => r.uplift_low, (r) => r.uplift_high,
         (v) => (v === null || v === undefined ? "–" : (v >= 0 ? "+" : "") + (v * 100).toFixed(1) + " pt"), true);
    bars("chart-refund", rows, (r) => r.refund_rate, null, null, pct);
    bars("chart-margin", rows, (r) => r.net_margin, null, null, money, true);
  }

  // ---- wiring --------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try { const info = await signIn($("secret").value.trim()); await open(info.store_id); }
      catch (err) { $("login-error").textContent = err.message; }
    });
    $("f-store").addEventListener("change", (e) => open(e.target.value));
    for (const id of ["f-reason", "f-device"]) $(id).addEventListener("change", () => open(state.store));
    $("add-store").addEventListener("click", () => { stop(); showLogin(""); });
    $("sign-out").addEventListener("click", () => {
      state.keys = {}; sessionStorage.removeItem(KEYS); stop(); showLogin("Signed out.");
    });
    const stores = Object.keys(state.keys);
    if (stores.length) open(stores[0]); else showLogin("");
  });
})();
