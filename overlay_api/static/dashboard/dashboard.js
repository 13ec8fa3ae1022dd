// cartcoach CRO dashboard: plain JavaScript, hand-written SVG, text inserted as text only.
// Users sign in with e-mail and password; the session is an HttpOnly cookie the script never
// sees. Every change (POST/PUT) sends the CSRF cookie back as a header (double submit).
// The live stream uses a short-lived token because EventSource cannot send headers.
"use strict";
(function () {
  const REASONS = ["price", "trust", "shipping_speed", "indecision", "checkout_friction"];
  const INCENTIVES = ["delivery_promise", "delivery_date", "free_express_shipping", "free_shipping_threshold", "reviews",
    "return_guarantee", "warranty", "low_stock", "price_lock", "installments", "coupon", "guest_checkout", "saved_cart",
    "help", "premium_story", "survey"];
  const MAX_ROWS = 100;
  const TONE_LOCALES = ["en", "tr"];
  const $ = (id) => document.getElementById(id);
  const I18N = window.CartcoachI18n;
  const t = I18N.t;
  const state = { me: null, store: null, info: null, view: "live", settings: null,
                  source: null, lastId: null, feed: new Map(), drawn: null, timer: null, retry: null, previewTimer: null };

  const { el, svgEl } = window.CartcoachDom;
  // Numbers, money and times as the chosen language writes them (i18n.js, through Intl).
  const pct = I18N.percent;
  const money = (v) => I18N.money(v, state.info && state.info.currency);
  const color = (reason) => getComputedStyle(document.documentElement).getPropertyValue("--" + reason).trim() || "#888";
  function status(text, cls) { const s = $("status"); s.textContent = text; s.className = cls || ""; }
  function csrf() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("cartcoach_csrf="));
    return found ? decodeURIComponent(found.slice("cartcoach_csrf=".length)) : "";
  }

  // One way to call the server: JSON in and out, the CSRF header on changes, 401 signs out.
  async function call(method, path, body) {
    const options = { method, cache: "no-store", credentials: "same-origin", headers: {} };
    if (method !== "GET") options.headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && !path.endsWith("/signin") && !path.endsWith("/signup")) { signedOut(t("Signed out.")); }
    if (!response.ok) { const err = new Error(data.error || path + ": " + response.status); err.status = response.status; err.data = data; throw err; }
    return data;
  }
  // A refused form's field errors, each in the user's language where the server sent its template.
  const fieldErrors = (err) => (err.data && err.data.errors
    ? err.data.errors.map((x) => x.field + ": " + I18N.say(x.message, x)).join("; ") : err.message);
  const api = (path) => call("GET", path + (path.includes("?") ? "&" : "?") + "store=" + encodeURIComponent(state.store));
  const storePath = (rest) => "/dashboard/api/stores/" + encodeURIComponent(state.store) + rest;

  // ---- sign in, sign up ----------------------------------------------------------------------
  function showOnly(id) {
    for (const s of ["login", "signup", "keys"]) $(s).hidden = s !== id;
    $("app").hidden = id !== "app";
  }
  function signedOut(message) {
    stop(); state.me = null;
    showOnly("login"); $("login-error").textContent = message || ""; $("password").value = "";
  }
  function stop() {
    if (state.source) state.source.close();
    clearInterval(state.timer); clearTimeout(state.retry);
    state.source = null;
  }
  // The language is kept with the user (on every browser they sign in from); before sign-in
  // and until they pick one, the browser's choice (i18n.js) applies.
  async function keepLanguage() {
    if (!state.me || state.me.language === I18N.lang) return;
    try {
      await call("PUT", "/dashboard/api/me/language", { language: I18N.lang });
      state.me.language = I18N.lang;
    } catch (err) { /* kept in this browser only; tried again at the next switch */ }
  }

  async function start() {
    state.me = await call("GET", "/dashboard/api/me");
    if (state.me.language && state.me.language !== I18N.lang) I18N.set(state.me.language);
    const select = $("f-store");
    select.replaceChildren(...state.me.stores.map((s) => el("option", { value: s.id }, s.id + " · " + s.role)));
    $("who").textContent = state.me.email;
    $("tab-agency").hidden = !state.me.agencies.length;
    showOnly("app");
    if (state.me.stores.length) await open(state.me.stores[0].id);
    else if (state.me.agencies.length) show_view("agency");
  }
  const role = () => { const s = state.me && state.me.stores.find((x) => x.id === state.store); return s ? s.role : null; };

  async function open(store) {
    stop();
    state.store = store;
    $("f-store").value = store;
    $("feed").tBodies[0].replaceChildren();
    state.feed.clear();
    state.drawn = null;  // another store's panels are not redrawn on a language switch
    state.lastId = null;
    const info = state.me.stores.find((s) => s.id === store);
    state.info = { store_id: store, experiment: info.experiment, currency: info.currency };
    $("outbox-link").href = "/dashboard/outbox?" + new URLSearchParams({ store });
    show_view(state.view);
    await connect();
    refresh();
    state.timer = setInterval(refresh, 5000);
  }

  function show_view(view) {
    state.view = view;
    for (const node of document.querySelectorAll(".view")) node.hidden = node.dataset.view !== view;
    for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
    if (view === "settings") loadSettings();
    if (view === "agency") loadAgency();
  }

  // ---- live feed -----------------------------------------------------------------------------
  async function connect() {
    let token;
    try {
      token = (await call("POST", storePath("/stream-token"))).token;
    } catch (err) {
      if (err.status === 401) return;
      status(t("Server unreachable, retrying…"), "down");
      state.retry = setTimeout(connect, 2000);
      return;
    }
    const info = state.info;
    // The flows panels (flow_report.js, shopper_plan.js) follow the store shown here.
    document.dispatchEvent(new CustomEvent("cartcoach:store", { detail: { store: state.store, info } }));
    const q = new URLSearchParams({ token, reason: $("f-reason").value, device: $("f-device").value });
    if (state.lastId) q.set("last_event_id", state.lastId);
    const source = new EventSource("/dashboard/stream?" + q);
    state.source = source;
    source.onopen = () => status(t("Live · {store}", { store: info.store_id }), "live");
    source.addEventListener("profile", (e) => { state.lastId = e.lastEventId; show(JSON.parse(e.data)); });
    source.onerror = () => {
      status(t("Reconnecting…"), "down");
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
    td.append(el("button", { type: "button", class: "plan-link", "data-session": session,
      "aria-label": t("Plan of {session}", { session }) }, t("plan")));
    return td;
  }

  function redrawFeed() {
    $("feed").tBodies[0].replaceChildren();
    for (const p of [...state.feed.values()]) show(p, false);
  }

  function show(p, fresh = true) {
    // The rows shown, by session, oldest first: a language switch draws them again.
    state.feed.delete(p.session_id); state.feed.set(p.session_id, p);
    if (state.feed.size > MAX_ROWS) state.feed.delete(state.feed.keys().next().value);
    const body = $("feed").tBodies[0];
    const old = body.querySelector('tr[data-session="' + CSS.escape(p.session_id) + '"]');
    if (old) old.remove();
    const tr = el("tr", { "data-session": p.session_id, "data-id": p.id, class: fresh ? "fresh" : "" });
    tr.append(
      el("td", {}, I18N.time(p.at)),
      sessionCell(p.session_id),
      el("td", {}, p.device ? t(p.device) : "–"),
      el("td", { class: "cart" }, money(p.cart_value)),
    );
    const reason = el("td", { class: "reason" });
    const tag = el("span", { class: "tag" }, t(p.top_reason));
    tag.style.background = color(p.top_reason);
    reason.append(tag, el("span", { class: "confidence" }, " " + pct(p.confidence)));
    const evidence = el("td", { class: "evidence" }, (p.evidence || []).map((e) => I18N.say(e, (p.templates || {})[e])).join("; "));
    // focused: the variants all answered the top reason; hedged: they spread over the likely ones.
    const mode = p.overlay && p.overlay.mode && p.overlay.mode !== "none" ? " · " + t(p.overlay.mode) : "";
    const overlay = p.overlay ? (p.overlay.arm === "holdout" ? t("holdout (nothing shown)") + mode : I18N.incentive(p.overlay.incentive) + " · " + p.overlay.arm + mode) : "–";
    // Until the risk model has shown it orders sessions, its number is the same prior for all.
    const risk = p.risk_trained
      ? el("td", { class: "risk" }, pct(p.risk))
      : el("td", { class: "risk untrained", title: t("The risk model has not yet learned enough outcomes to rank sessions") }, t("risk not yet trained"));
    tr.append(reason, risk, evidence, el("td", { class: "overlay" }, overlay),
              el("td", { class: "outcome" }, t(p.outcome || "open")));
    body.prepend(tr);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    $("feed-count").textContent = t("({n} sessions)", { n: I18N.number(body.rows.length) });
  }

  // ---- summaries and charts ------------------------------------------------------------------
  async function refresh() {
    const q = new URLSearchParams({ reason: $("f-reason").value, device: $("f-device").value });
    try {
      const [summary, report, installation] = await Promise.all([
        api("/dashboard/api/summary?" + q),
        call("GET", storePath("/report")),
        api("/dashboard/api/installation"),
      ]);
      state.drawn = { summary, report, installation };
      drawLive();
    } catch (err) { /* shown by the status line; retried on the next tick */ }
  }

  // The live panels from their last answers (again on a language switch, without a new fetch).
  function drawLive() {
    if (!state.drawn) return;
    drawSummary(state.drawn.summary);
    drawReport(state.drawn.report);
    drawInstallation(state.drawn.installation);
  }

  // ---- installation: signals and detectors per page type, and what to add -------------------
  function drawInstallation(view) {
    const body = $("installation").tBodies[0];
    body.replaceChildren();
    const types = Object.keys(view.pages);
    if (!types.length) {
      const row = el("tr");
      row.append(el("td", { colspan: "3", class: "muted" }, t("Nothing seen yet: is the tag on your pages?")));
      body.append(row);
    }
    for (const type of types) {
      const page = view.pages[type];
      const row = el("tr", { "data-page-type": type });
      row.append(el("th", { scope: "row" }, t(type)));
      const signals = el("ul", { class: "signals" });
      for (const s of page.signals) signals.append(el("li", { "data-signal": s.type, translate: "no" }, `${s.type} · ${s.src} × ${I18N.number(s.count)}`));
      const missing = el("ul", { class: "missing" });
      for (const m of page.missing) {
        const item = el("li", { "data-signal": m.signal });
        item.append(el("strong", { translate: "no" }, m.signal), document.createTextNode(" — " + t(m.suggestion)));
        missing.append(item);
      }
      const cellSignals = el("td"); cellSignals.append(signals);
      const cellMissing = el("td"); cellMissing.append(missing);
      row.append(cellSignals, cellMissing);
      body.append(row);
    }
    const other = $("install-other");
    other.replaceChildren(...view.other_pages.map((p) => el("li", { translate: "no" }, `${p.path} × ${I18N.number(p.count)}`)));
    $("install-other-hint").textContent = view.other_suggestion ? t(view.other_suggestion) : t("None: every page got a type.");
  }

  function drawSummary(s) {
    const mix = s.reason_mix;
    const width = 420, height = 160, pad = 22;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("Reason mix per minute") });
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
        rect.append(svgEl("title", {}, `${I18N.time(start)} · ${t(r)}: ${I18N.number(n)}`));
        svg.append(rect);
      }
    });
    svg.append(svgEl("text", { x: 0, y: 12 }, top), svgEl("text", { x: 0, y: height - pad }, 0));
    $("mix-chart").replaceChildren(svg);
    $("mix-legend").replaceChildren(...REASONS.map((r) => {
      const li = el("li", {}, t(r)); li.style.setProperty("--c", color(r)); return li;
    }));
    $("h-version").textContent = s.model_version || (s.health.model_versions[0] || "–");
    $("h-accuracy").textContent = s.health.accuracy === null ? t("no survey answers yet") : pct(s.health.accuracy);
    $("h-answers").textContent = I18N.number(s.health.answers);
    const alarms = [s.health.alarm, mix.alarm].filter(Boolean);
    $("alarms").replaceChildren(...(alarms.length ? alarms.map((a) => el("li", {}, I18N.say(a, (s.templates || {})[a])))
      : [el("li", { class: "ok" }, t("No drift alarms"))]));
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
    $("exp-method").textContent = t("{method} · margin {pct}% of revenue · revenue {basis}",
      { method: t(report.method), pct: I18N.number(report.margin_pct), basis: t(report.revenue_basis) });
    const rows = report.rows.filter((r) => r.reason === "all");
    $("exp-counts").tBodies[0].replaceChildren(...rows.map((r) => {
      const tr = el("tr", { "data-arm": r.arm });
      tr.append(el("th", { scope: "row" }, r.arm),
        ...["exposures", "clicks", "recoveries", "orders"].map((k) => el("td", { "data-metric": k, "data-value": r[k] }, I18N.number(r[k]))),
        el("td", { "data-metric": "revenue", "data-value": r.revenue }, money(r.revenue)));
      return tr;
    }));
    bars("chart-recovery", rows, (r) => r.recovery_rate, (r) => r.recovery_rate_low, (r) => r.recovery_rate_high, pct);
    bars("chart-uplift", rows.filter((r) => r.arm !== "holdout"), (r) => r.uplift, (r) => r.uplift_low, (r) => r.uplift_high,
         I18N.points, true);
    bars("chart-refund", rows, (r) => r.refund_rate, null, null, pct);
    bars("chart-margin", rows, (r) => r.net_margin, null, null, money, true);
  }

  // ---- settings and preview ----------------------------------------------------------------
  const form = () => $("settings-form");
  function input(name) { return form().elements.namedItem(name); }
  // ---- the tone library: pick one (its examples in both languages shown), or copy and adjust ----
  function fillTone(tone) {
    const library = state.settings.tones;
    const pick = input("tone");
    pick.replaceChildren(pick.options[0], ...Object.keys(library).map((name) => el("option", { value: name }, name)));
    const copy = tone !== null && typeof tone === "object";
    pick.value = copy ? (tone.like || "") : (tone || "");
    input("tone.copy").checked = copy;
    const spec = copy ? tone : {};
    for (const part of ["cta", "dismiss"]) for (const locale of TONE_LOCALES) input(`tone.${part}.${locale}`).value = (spec[part] || {})[locale] || "";
    const base = library[pick.value] || { concise: false, exclaim: false };
    input("tone.concise").checked = spec.concise === null || spec.concise === undefined ? base.concise : spec.concise;
    input("tone.exclaim").checked = spec.exclaim === null || spec.exclaim === undefined ? base.exclaim : spec.exclaim;
    describeTone();
  }
  function describeTone() {
    const tone = state.settings.tones[input("tone").value];
    $("tone-adjust").hidden = !input("tone.copy").checked;
    $("tone-about").textContent = tone ? t(tone.description) : "";
    $("tone-examples").replaceChildren(...(tone ? TONE_LOCALES.map((locale) => {
      const box = el("div", { "data-locale": locale, lang: locale });
      box.append(el("strong", { lang: I18N.lang }, t(locale === "en" ? "Examples, English" : "Examples, Turkish")));
      const list = el("ul");
      for (const line of tone.examples[locale] || []) list.append(el("li", {}, line));
      box.append(list);
      return box;
    }) : []));
  }
  function toneChange() {
    const name = input("tone").value || null;
    if (!input("tone.copy").checked) return name;
    const out = { like: name, concise: input("tone.concise").checked, exclaim: input("tone.exclaim").checked, cta: {}, dismiss: {} };
    for (const part of ["cta", "dismiss"]) for (const locale of TONE_LOCALES) {
      const text = input(`tone.${part}.${locale}`).value.trim();
      if (text) out[part][locale] = text;
    }
    return out;
  }

  // ---- campaign rules: one row per rule, named as the stores file names them (rules[0].when) ----
  const ruleField = (i, name) => `rules[${i}].${name}`;
  function ruleRow(rule, i) {
    const row = el("fieldset", { class: "rule", "data-rule": i });
    row.append(el("legend", {}, t("Rule {n}", { n: i + 1 })));
    const text = (name, label, value, attrs) => {
      const box = el("label", {}, t(label) + " ");
      const field = el("input", { name: ruleField(i, name), ...(attrs || {}) });
      field.value = value; box.append(field); return box;
    };
    const choose = (name, label, options, value) => {
      const box = el("label", {}, t(label) + " ");
      const field = el("select", { name: ruleField(i, name) });
      field.append(...options.map(([v, shown]) => el("option", { value: v }, shown)));
      field.value = value; box.append(field); return box;
    };
    row.append(
      text("name", "Name", rule.name || "", { maxlength: "60", translate: "no" }),
      text("when", "When", rule.when || "", { class: "rule-when", translate: "no" }),
      text("allow", "Only these incentives (comma-separated)", (rule.allow || []).join(", "), { translate: "no" }),
      text("deny", "Never these (comma-separated)", (rule.deny || []).join(", "), { translate: "no" }),
      choose("aggressiveness", "Aggressiveness", [["", t("stock and calendar decide")], ...["bold", "normal", "protective"].map((a) => [a, t(a)])],
        rule.aggressiveness || ""),
    );
    const toneOptions = [["", t("the store's tone")], ...Object.keys(state.settings.tones).map((n) => [n, n])];
    if (rule.tone && typeof rule.tone === "object") { toneOptions.push(["=kept", t("as written in the stores file")]); row.dataset.tone = JSON.stringify(rule.tone); }
    row.append(choose("tone", "Tone while it matches", toneOptions, rule.tone && typeof rule.tone === "object" ? "=kept" : rule.tone || ""));
    const remove = el("button", { type: "button", class: "remove-rule" }, t("Remove"));
    remove.addEventListener("click", () => { state.rules = readRules().filter((_, j) => j !== i); drawRules(); previewSoon(); });
    row.append(remove);
    return row;
  }
  function drawRules() {
    $("rules").replaceChildren(...(state.rules.length ? state.rules.map(ruleRow) : [el("p", { class: "muted" }, t("No campaign rules: the policy alone decides."))]));
  }
  const list = (text) => text.split(",").map((x) => x.trim()).filter(Boolean);
  function readRules() {
    return [...$("rules").querySelectorAll(".rule")].map((row, i) => {
      const value = (name) => input(ruleField(i, name)).value;
      const rule = { name: value("name").trim(), when: value("when").trim(), allow: list(value("allow")), deny: list(value("deny")),
                     aggressiveness: value("aggressiveness") || null };
      const tone = value("tone");
      rule.tone = tone === "=kept" ? JSON.parse(row.dataset.tone) : tone || null;
      return rule;
    });
  }

  function fill(settings) {
    const p = settings.policy, e = settings.experiment;
    fillTone(settings.tone);
    state.rules = settings.rules; drawRules();
    input("voice").value = settings.voice; input("locale").value = settings.locale; input("brand_tier").value = settings.brand_tier;
    $("incentives").replaceChildren(...INCENTIVES.map((name) => {
      const label = el("label"); const box = el("input", { type: "checkbox", name: "incentive", value: name });
      box.checked = p.allowed_incentives.includes(name); label.append(box, document.createTextNode(" " + I18N.incentive(name))); return label;
    }));
    input("policy.max_coupon_pct").value = p.max_coupon_pct; input("policy.margin_floor_pct").value = p.margin_floor_pct;
    input("installments.on").checked = !!p.installments;
    const inst = p.installments || { max_months: 6, min_amount: 0, cost_pct: 0 };
    input("policy.installments.max_months").value = inst.max_months; input("policy.installments.min_amount").value = inst.min_amount;
    input("policy.installments.cost_pct").value = inst.cost_pct;
    input("policy.price_lock_allowed").checked = p.price_lock_allowed; input("policy.price_lock_hours").value = p.price_lock_hours;
    input("experiment.holdout").value = e.holdout;
    e.weights.forEach((w, i) => { input("experiment.weights." + i).value = w; });
    input("flows").value = JSON.stringify(settings.flows, null, 2);
  }
  const num = (name) => { const v = input(name).value; return v === "" ? null : Number(v); };
  // What the form says, as a partial stores-file document (the server checks every field).
  function changes() {
    const out = {
      voice: input("voice").value, tone: toneChange(), locale: input("locale").value, brand_tier: input("brand_tier").value,
      rules: readRules(),
      policy: {
        allowed_incentives: [...form().querySelectorAll("input[name=incentive]:checked")].map((b) => b.value),
        max_coupon_pct: num("policy.max_coupon_pct"), margin_floor_pct: num("policy.margin_floor_pct"),
        installments: input("installments.on").checked ? { max_months: num("policy.installments.max_months"),
          min_amount: num("policy.installments.min_amount"), cost_pct: num("policy.installments.cost_pct") } : null,
        price_lock_allowed: input("policy.price_lock_allowed").checked, price_lock_hours: num("policy.price_lock_hours"),
      },
      experiment: { holdout: num("experiment.holdout"), weights: [0, 1, 2].map((i) => num("experiment.weights." + i)) },
    };
    try { out.flows = JSON.parse(input("flows").value); } catch (err) { out.flows = "not JSON: " + err.message; }
    return out;
  }
  // The form's control for a field the server named: exact ("rules[0].when"), else its nearest
  // named parent ("rules[0].deny[1]" → "rules[0].deny", "tone.cta[...]" → the tone.cta inputs).
  function fieldInput(field) {
    let name = field;
    while (name) {
      const found = input(name) || form().querySelector(`[name^="${CSS.escape(name)}."]`);
      if (found) return found;
      const parent = name.replace(/(\[[^\]]*\]|\.[^.[\]]*)$/, "");
      if (parent === name) break;
      name = parent;
    }
    return null;
  }
  function showErrors(errors) {
    for (const node of form().querySelectorAll(".field-error")) node.classList.remove("field-error");
    $("settings-errors").replaceChildren(...(errors || []).map((e) => {
      const target = fieldInput(e.field) || (e.field.startsWith("policy.allowed_incentives") ? $("incentives") : null);
      if (target && target.classList) target.classList.add("field-error");
      return el("li", { "data-field": e.field }, e.field + ": " + I18N.say(e.message, e));
    }));
  }
  async function loadSettings() {
    if (!state.store) return;
    const view = await call("GET", storePath("/settings"));
    state.settings = view;
    $("settings-role").textContent = "(" + t(view.role) + ")";
    const readOnly = view.role !== "owner";
    $("settings-readonly").hidden = !readOnly;
    $("save-settings").disabled = readOnly;
    fill(view.settings);
    showErrors([]); $("settings-saved").textContent = "";
    $("preview-product").replaceChildren(el("option", { value: "" }, t("no product (cart only)")),
      ...view.products.map((p) => el("option", { value: p.id }, p.name + " · " + p.price)));
    if (view.products.length) $("preview-product").value = view.products[0].id;
    $("audit").replaceChildren(...view.audit.map((a) => el("li", {},
      I18N.dateTime(a.at) + " · " + a.field + ": " + JSON.stringify(a.before) + " → " + JSON.stringify(a.after))));
    preview();
  }
  async function save(event) {
    event.preventDefault();
    try {
      const result = await call("PUT", storePath("/settings"), { changes: changes() });
      showErrors([]);
      const saved = result.changed.length ? t("Saved: {fields}", { fields: result.changed.join(", ") }) : t("Nothing to save.");
      $("settings-saved").textContent = saved;
      await loadSettings();
      $("settings-saved").textContent = saved;
    } catch (err) {
      showErrors(err.data && err.data.errors ? err.data.errors : [{ field: "$", message: err.message }]);
    }
  }
  async function preview() {
    const product = $("preview-product").value || null;
    let result;
    try { result = await call("POST", storePath("/preview"), { changes: changes(), product_id: product }); }
    catch (err) { showErrors(err.data && err.data.errors ? err.data.errors : []); return; }
    showErrors([]);
    $("preview").replaceChildren(...REASONS.map((reason) => {
      const table = el("table", { "data-reason": reason });
      table.append(el("caption", { lang: I18N.lang }, t(reason)));
      const head = el("tr"); head.append(el("th", { scope: "col", lang: "en" }, "English"), el("th", { scope: "col", lang: "tr" }, "Türkçe"));
      const row = el("tr");
      for (const locale of ["en", "tr"]) {
        const cell = el("td", { "data-locale": locale, lang: locale });
        for (const v of result.variants[reason][locale]) {
          const box = el("div", { class: "variant", "data-rank": v.rank, "data-incentive": v.incentive });
          box.append(el("strong", {}, v.rank + ". " + v.title), el("span", {}, v.body));
          if (v.cta) box.append(el("div", { class: "cta" }, v.cta));
          if (v.dismiss) box.append(el("div", { class: "dismiss" }, v.dismiss));
          cell.append(box);
        }
        row.append(cell);
      }
      const thead = el("thead"); thead.append(head); const tbody = el("tbody"); tbody.append(row);
      table.append(thead, tbody);
      return table;
    }));
    $("preview").dataset.voice = result.voice;
    $("preview").dataset.tone = result.tone || "";
    const toneName = result.tone ? result.tone.replace(/^copy of (.*)$/, (_, n) => t("copy of {name}", { name: n })) : t("none");
    $("preview-tone").textContent = t("Tone in force: {tone} · voice {voice}", { tone: toneName, voice: t(result.voice) });
  }
  function previewSoon() { clearTimeout(state.previewTimer); state.previewTimer = setTimeout(preview, 300); }

  // ---- agency --------------------------------------------------------------------------------
  async function loadAgency() {
    if (!state.me || !state.me.agencies.length) return;
    const agency = state.me.agencies[0];
    $("client-form").hidden = agency.role !== "owner";
    const page = await call("GET", "/dashboard/api/agencies/" + encodeURIComponent(agency.id));
    $("agency-name").textContent = page.name;
    $("agency-stores").tBodies[0].replaceChildren(...page.stores.map((s) => {
      const tr = el("tr", { "data-store": s.store_id });
      tr.append(el("th", { scope: "row", translate: "no" }, s.store_id), el("td", {}, I18N.number(s.events_last_hour)),
        el("td", { "data-status": s.installation }, t(s.installation)), el("td", {}, I18N.number(s.overlays_shown)),
        el("td", { "data-value": s.recovered_revenue_verified }, I18N.money(s.recovered_revenue_verified, s.currency)));
      return tr;
    }));
  }

  // ---- wiring --------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    const invitation = new URLSearchParams(location.hash.slice(1)).get("invitation");
    $("login-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      try { await call("POST", "/dashboard/api/signin", { email: $("email").value.trim(), password: $("password").value }); await start(); }
      catch (err) { $("login-error").textContent = err.status === 401 ? t("Wrong e-mail or password.") : err.message; }
    });
    $("show-signup").addEventListener("click", () => showOnly("signup"));
    $("show-login").addEventListener("click", () => showOnly("login"));
    for (const radio of document.querySelectorAll("input[name=kind]")) radio.addEventListener("change", () => {
      const agency = document.querySelector("input[name=kind]:checked").value === "agency";
      $("su-store").hidden = agency; $("su-agency").hidden = !agency;
    });
    $("signup-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { email: $("su-email").value.trim(), password: $("su-password").value, language: I18N.lang };
      if (invitation) body.invitation = invitation;
      else if (document.querySelector("input[name=kind]:checked").value === "agency") body.agency = { name: $("su-agency-name").value };
      else body.store = { id: $("su-store-id").value.trim(), origin: $("su-origin").value.trim(), locale: $("su-locale").value };
      try {
        const made = await call("POST", "/dashboard/api/signup", body);
        if (made.secret_key) {
          $("key-write").textContent = made.write_key; $("key-secret").textContent = made.secret_key; showOnly("keys");
        } else await start();
      } catch (err) {
        $("signup-error").textContent = fieldErrors(err);
      }
    });
    $("keys-done").addEventListener("click", () => start());
    $("f-store").addEventListener("change", (e) => open(e.target.value));
    for (const id of ["f-reason", "f-device"]) $(id).addEventListener("change", () => open(state.store));
    for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show_view(tab.dataset.view));
    $("sign-out").addEventListener("click", async () => {
      try { await call("POST", "/dashboard/api/signout"); } finally { signedOut(t("Signed out.")); }
    });
    form().addEventListener("submit", save);
    form().addEventListener("change", (e) => { if (e.target.name === "tone" || e.target.name === "tone.copy") describeTone(); });
    $("add-rule").addEventListener("click", () => {
      state.rules = [...readRules(), { name: "rule-" + ($("rules").querySelectorAll(".rule").length + 1), when: 'reason == "price"' }];
      drawRules(); previewSoon();
    });
    // Another language: redraw what the scripts wrote (the form keeps what was typed).
    document.addEventListener("cartcoach:lang", () => {
      keepLanguage();
      redrawFeed(); drawLive();
      if (state.view === "agency") loadAgency();
      if (!state.settings || $("settings").hidden) return;
      state.rules = readRules(); drawRules(); describeTone();
      for (const box of form().querySelectorAll("input[name=incentive]")) box.nextSibling.textContent = " " + I18N.incentive(box.value);
      $("settings-role").textContent = "(" + t(state.settings.role) + ")";
      preview();
    });
    form().addEventListener("change", previewSoon);
    $("preview-product").addEventListener("change", preview);
    $("client-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const agency = state.me.agencies[0];
      try {
        const made = await call("POST", "/dashboard/api/agencies/" + encodeURIComponent(agency.id) + "/stores",
          { store: { id: $("client-id").value.trim(), origin: $("client-origin").value.trim() } });
        $("client-result").textContent = t("Added {store} · write key {write} · secret key {secret}",
          { store: made.store_id, write: made.write_key, secret: made.secret_key });
        state.me = await call("GET", "/dashboard/api/me");
        loadAgency();
      } catch (err) {
        $("client-result").textContent = fieldErrors(err);
      }
    });
    if (invitation) { showOnly("signup"); $("su-invited").hidden = false; $("su-kind").hidden = true; $("su-store").hidden = true; return; }
    start().catch(() => signedOut(""));
  });
})();
