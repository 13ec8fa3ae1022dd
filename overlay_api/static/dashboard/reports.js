// cartcoach dashboard: the period report, its CSV/PDF export, the reason mix over time (stored hourly)
// and the "why this nudge" trace. Plain JavaScript, text inserted as text only. Every number shown is
// the report API's (GET /v1/experiments/{name}/report?from=&to=, read here through its /dashboard/api twin
// with the sign-in cookie), the history API's or the trace API's.
"use strict";
(function () {
  const REASONS = ["price", "trust", "shipping_speed", "indecision", "checkout_friction"];
  const DAY_MS = 86400000;
  const $ = (id) => document.getElementById(id);
  const state = { experiment: null, currency: "", loading: null, answer: null };

  const { el, svgEl } = window.CartcoachDom;
  const color = (reason) => getComputedStyle(document.documentElement).getPropertyValue("--" + reason).trim() || "#888";
  // Numbers, money and dates as the chosen language writes them (i18n.js, through Intl).
  const I18N = window.CartcoachI18n;
  const t = I18N.t;
  const money = (v) => I18N.money(v, state.currency);
  const pct = I18N.percent;
  const count = I18N.number;

  // The signed-in user's session cookie (dashboard.js signs in); the store is the one in the filters.
  const store = () => $("f-store").value;
  const withStore = (path) => path + (path.includes("?") ? "&" : "?") + "store=" + encodeURIComponent(store());
  async function fetchOk(path) {
    const response = await fetch(withStore(path), { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      let message = path + ": " + response.status;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }
  const getJson = async (path) => (await fetchOk(path)).json();

  // ---- the period -----------------------------------------------------------------------------
  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
  function defaultPeriod() {
    if (!$("rep-to").value) $("rep-to").value = isoDay(Date.now());
    if (!$("rep-from").value) $("rep-from").value = isoDay(Date.now() - 6 * DAY_MS);
  }
  // The last whole week, Monday to Sunday, in UTC days (as the report counts them).
  function lastWeek() {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
    $("rep-from").value = isoDay(monday - 7 * DAY_MS);
    $("rep-to").value = isoDay(monday - DAY_MS);
    loadAll();
  }
  const period = (from, to) => "from=" + encodeURIComponent(from || $("rep-from").value) + "&to=" + encodeURIComponent(to || $("rep-to").value);
  const reportPath = (extra) => "/dashboard/api/experiments/" + encodeURIComponent(state.experiment) + "/report?" +
    period() + (extra || "");

  // Only the latest load draws: an earlier one (another period, store or language) that
  // answers later is dropped, so the panel never mixes two periods.
  async function loadAll() {
    if ($("app").hidden || !store()) return;
    defaultPeriod();
    const ticket = {}, from = $("rep-from").value, to = $("rep-to").value;
    state.loading = ticket;
    const status = $("rep-status");
    status.textContent = t("Loading…");
    delete status.dataset.period;
    try {
      const listing = await getJson("/dashboard/api/experiments");
      const path = "/dashboard/api/experiments/" + encodeURIComponent(listing.current) + "/report?" + period(from, to);
      const [report, history] = await Promise.all([getJson(path), getJson("/dashboard/api/history?" + period(from, to))]);
      if (state.loading !== ticket) return;
      state.experiment = listing.current;
      drawReport(report);
      drawHistory(history);
      status.textContent = t("Period {from} to {to}", { from: I18N.day(from), to: I18N.day(to) });
      status.dataset.period = from + "/" + to;
    } catch (error) {
      if (state.loading === ticket) status.textContent = t("Could not load the report: {error}", { error: error.message });
    }
  }

  // ---- the report -----------------------------------------------------------------------------
  function cells(tr, values) { for (const v of values) tr.append(el("td", {}, v)); return tr; }

  function drawReport(report) {
    state.currency = report.currency || "";
    const s = report.summary;
    for (const dd of $("rep-summary").querySelectorAll("dd[data-field]")) {
      const field = dd.dataset.field;
      if (field === "sessions") dd.textContent = count(s.treated_exposures) + " / " + count(s.holdout_exposures);
      else { dd.textContent = money(s[field]); dd.dataset.value = s[field] === null ? "" : String(s[field]); }
    }
    $("rep-method").textContent = t("Incremental = treated revenue − holdout revenue per session × treated sessions. Counterfactual: {method}.",
      { method: t(s.counterfactual_method) });
    const arms = report.rows.filter((r) => r.reason === "all");
    $("rep-arms").tBodies[0].replaceChildren(...arms.map((r) => cells(el("tr", { "data-arm": r.arm }),
      [r.arm, ...[r.exposures, r.impressions, r.clicks, r.recoveries, r.orders].map(count), money(r.revenue), count(r.refunds),
        money(r.net_margin)])));
    $("rep-nudges").tBodies[0].replaceChildren(...report.nudges.map((n) => cells(el("tr", { "data-incentive": n.incentive }),
      [I18N.incentive(n.incentive), ...[n.exposures, n.impressions, n.clicks].map(count), pct(n.click_rate), count(n.recoveries), count(n.orders),
        money(n.revenue), count(n.refunds)])));
  }

  async function download(extra, fallback) {
    try {
      const response = await fetchOk(reportPath(extra));
      const disposition = response.headers.get("content-disposition") || "";
      const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || fallback;
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: name });
      document.body.append(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      $("rep-status").textContent = t("Download failed: {error}", { error: error.message });
    }
  }

  // ---- reason mix and accuracy over time ------------------------------------------------------
  function bucketed(history) {
    // Hour by hour up to four days; by day beyond (a bar per hour would be a hair).
    const hourly = history.hours.length <= 96;
    const out = [];
    history.hours.forEach((start, i) => {
      const key = hourly ? start : Math.floor(start / DAY_MS) * DAY_MS;
      let b = out[out.length - 1];
      if (!b || b.start !== key) { b = { start: key, mix: {}, answers: 0, right: 0 }; out.push(b); }
      for (const r of REASONS) b.mix[r] = (b.mix[r] || 0) + history.mix[r][i];
      const n = history.answers[i];
      b.answers += n; b.right += n ? n * history.accuracy[i] : 0;
    });
    return { hourly, buckets: out };
  }

  function drawMix(history) {
    const { hourly, buckets } = bucketed(history);
    const width = 760, height = 170, top = 10, bottom = 24;
    const max = Math.max(1, ...buckets.map((b) => REASONS.reduce((t, r) => t + b.mix[r], 0)));
    const w = width / Math.max(1, buckets.length);
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": t("Sessions per {unit} by top reason", { unit: t(hourly ? "hour" : "day") }) });
    buckets.forEach((b, i) => {
      let y = height - bottom;
      for (const r of REASONS) {
        const h = (b.mix[r] / max) * (height - top - bottom);
        if (h > 0) {
          const rect = svgEl("rect", { x: i * w + 0.5, y: y - h, width: Math.max(1, w - 1), height: h, fill: color(r) });
          rect.append(svgEl("title", {}, `${new Date(b.start).toISOString().slice(0, hourly ? 13 : 10)}: ${t(r)} ${count(b.mix[r])}`));
          svg.append(rect);
          y -= h;
        }
      }
    });
    const ticks = Math.min(buckets.length, 7);
    for (let t = 0; t < ticks; t++) {
      const i = Math.floor((t * buckets.length) / ticks);
      const label = new Date(buckets[i].start).toISOString().slice(5, hourly ? 13 : 10).replace("T", " ");
      svg.append(svgEl("text", { x: i * w, y: height - 6 }, hourly ? label + "h" : label));
    }
    $("drift-chart").replaceChildren(svg);
    $("drift-legend").replaceChildren(...REASONS.map((r) => {
      const total = buckets.reduce((t, b) => t + b.mix[r], 0);
      const li = el("li", { style: "--c:" + color(r) }, t(r) + " " + count(total));
      li.dataset.reason = r; li.dataset.total = String(total);
      return li;
    }));
    const answers = buckets.reduce((t, b) => t + b.answers, 0);
    const right = buckets.reduce((t, b) => t + b.right, 0);
    $("drift-accuracy").textContent = answers
      ? t("Accuracy against {n} survey answers in the period: {pct}; per {unit}: {list}", { n: count(answers),
          pct: pct(right / answers), unit: t(hourly ? "hour" : "day"),
          list: buckets.filter((b) => b.answers).map((b) => pct(b.right / b.answers)).join(", ") })
      : t("No survey answers in the period yet: accuracy needs shoppers' answers.");
  }

  function drawHistory(history) {
    drawMix(history);
    const alarms = [history.drift_alarm, history.accuracy_alarm].filter(Boolean);
    $("drift-alarms").replaceChildren(...(alarms.length ? alarms.map((a) => el("li", {}, I18N.say(a, (history.templates || {})[a])))
      : [el("li", { class: "ok" }, t("No drift: the last {hours} h look like the rest of the period.", { hours: history.recent_hours }))]));
  }

  // ---- why this nudge -------------------------------------------------------------------------
  function table(caption, header, rows) {
    const box = el("table");
    box.append(el("caption", {}, t(caption)));
    const head = el("tr");
    for (const h of header) head.append(el("th", { scope: "col" }, t(h)));
    box.append(el("thead")); box.tHead.append(head);
    const body = el("tbody");
    for (const row of rows) body.append(cells(el("tr"), row));
    box.append(body);
    return box;
  }

  async function explain(event) {
    event.preventDefault();
    const out = $("why-out");
    const params = new URLSearchParams({ trigger: $("why-trigger").value });
    if ($("why-locale").value) params.set("locale", $("why-locale").value);
    if ($("why-product").value.trim()) params.set("product", $("why-product").value.trim());
    out.replaceChildren(el("p", { class: "muted" }, t("Explaining…")));
    let answer;
    try {
      answer = await getJson("/dashboard/api/sessions/" + encodeURIComponent($("why-session").value.trim()) + "/trace?" + params);
    } catch (error) {
      out.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
      return;
    }
    state.answer = answer;
    drawTrace(answer);
  }

  // The trace in the chosen language: the page's own words through t(), the server's
  // sentences through their templates (answer.templates); names, codes and shoppers' copy as they are.
  function drawTrace(answer) {
    const tr = answer.trace;
    const say = (text) => I18N.say(text, (answer.templates || {})[text]);
    const parts = [];
    const outcome = { shown: t("Shown: {variant}", { variant: tr.shown }), holdout: t("Holdout: this session sees nothing (the baseline)"),
                      nothing: t("Nothing shown") }[tr.outcome];
    parts.push(el("p", { class: "why-outcome", "data-outcome": tr.outcome }, outcome));
    if (tr.reason) parts.push(el("p", {}, t("Top reason {reason} at {confidence} confidence, risk {risk}; evidence: {evidence}.",
      { reason: t(tr.reason), confidence: pct(tr.confidence), risk: pct(tr.risk), evidence: tr.evidence.map(say).join("; ") || t("none") })));
    for (const gate of tr.gates) parts.push(el("p", { class: "why-gate" }, t("Stopped: {gate}", { gate: say(gate) })));
    if (answer.recorded) {
      const r = answer.recorded;
      parts.push(el("p", {}, t("Recorded exposure: arm {arm}, {incentive}, reason {reason}, at {at}.",
        { arm: r.arm, incentive: I18N.incentive(r.incentive), reason: t(r.reason), at: I18N.dateTime(r.at) })));
    }
    if (tr.rules.length) parts.push(table("Campaign rules, in order", ["Rule", "Matched", "Note"],
      tr.rules.map((r) => [r.name, t(r.matched ? "yes" : "no"), say(r.note || "")])));
    else if (tr.outcome !== "nothing") parts.push(el("p", { class: "muted" }, t("This store has no campaign rules.")));
    if (tr.effects.length) parts.push(el("p", { class: "why-effects", translate: "no" }, t("Rules changed: {effects}.", { effects: tr.effects.join("; ") })));
    if (tr.arm) parts.push(el("p", {}, t("Tone: {tone}; aggressiveness {boldness}.",
      { tone: tr.tone, boldness: t(tr.boldness > 0 ? "bold" : tr.boldness < 0 ? "protective" : "normal") })));
    if (tr.incentives.length) parts.push(table("Incentives for the reason, and what became of each", ["Incentive", "Reason", "Status"],
      tr.incentives.map((l) => [I18N.incentive(l.incentive), t(l.reason), say(l.status)])));
    if (tr.guardrails.length) parts.push(table("Turned down by the guardrails", ["Variant and problems"], tr.guardrails.map((g) => [g])));
    if (tr.variants.length) parts.push(table("The three variants", ["Rank", "Variant", "Title", "Source"],
      tr.variants.map((v) => [v.rank, v.variant, v.title, v.source])));
    if (tr.arm) parts.push(el("p", { class: "why-arm" }, t("Arm {arm}: {why}", { arm: tr.arm, why: say(tr.arm_why) })));
    $("why-out").replaceChildren(...parts);
  }

  // ---- wiring ---------------------------------------------------------------------------------
  function start() {
    $("rep-form").addEventListener("submit", (event) => { event.preventDefault(); loadAll(); });
    $("rep-last-week").addEventListener("click", lastWeek);
    document.addEventListener("cartcoach:lang", loadAll);
    document.addEventListener("cartcoach:lang", () => { if (state.answer) drawTrace(state.answer); });
    $("rep-csv").addEventListener("click", () => download("&format=csv", "report.csv"));
    $("rep-csv-nudges").addEventListener("click", () => download("&format=csv&table=nudges", "nudges.csv"));
    $("rep-pdf").addEventListener("click", () => download("&format=pdf", "report.pdf"));
    $("why-form").addEventListener("submit", explain);
    $("f-store").addEventListener("change", loadAll);
    // The dashboard shows #app once signed in: load then, and whenever it is shown again.
    new MutationObserver(() => { if (!$("app").hidden) loadAll(); }).observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
    loadAll();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
