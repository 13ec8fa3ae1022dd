// cartcoach dashboard, follow-up flows panel: the flow against its holdout and per step and channel,
// exactly as GET /v1/flows/report says (same always-valid intervals and net margin as the overlay's
// experiment report). Plain JavaScript, text inserted as text only. dashboard.js tells us the store.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { store: null, currency: "", timer: null };

  const { el } = window.CartcoachDom;
  // Numbers, money and rates as the chosen language writes them (i18n.js, through Intl).
  const I18N = window.CartcoachI18n;
  const t = I18N.t;
  const pct = I18N.percent;
  const points = I18N.points;
  const count = I18N.number;
  const money = (v) => I18N.money(v, state.currency);
  // A figure with its raw value kept in data-value, so what is shown can be checked against the API.
  function cell(metric, value, text) {
    return el("td", { "data-metric": metric, "data-value": value === null || value === undefined ? "" : String(value) }, text);
  }

  function compareRow(r) {
    const tr = el("tr", { "data-arm": r.arm });
    const interval = r.recovery_rate === null ? "–" : `${pct(r.recovery_rate)} [${pct(r.recovery_rate_low)}, ${pct(r.recovery_rate_high)}]`;
    const uplift = r.arm === "holdout" || r.uplift === null ? "–"
      : `${points(r.uplift)} [${points(r.uplift_low)}, ${points(r.uplift_high)}]` + (r.uplift_significant ? " ✓" : "");
    tr.append(el("th", { scope: "row" }, r.arm === "holdout" ? t("holdout") : r.arm),
      cell("exposures", r.exposures, count(r.exposures)), cell("recoveries", r.recoveries, count(r.recoveries)),
      cell("recovery_rate", r.recovery_rate, interval), cell("uplift", r.uplift, uplift),
      cell("revenue", r.revenue, money(r.revenue)), cell("incentive_cost", r.incentive_cost, money(r.incentive_cost)),
      cell("refunded", r.refunded, money(r.refunded)), cell("net_margin", r.net_margin, money(r.net_margin)));
    return tr;
  }

  function stepRow(s) {
    const tr = el("tr", { "data-flow": s.flow, "data-step": s.step, "data-channel": s.channel });
    tr.append(el("td", { translate: "no" }, s.flow), el("td", {}, count(s.step + 1)), el("td", { translate: "no" }, s.channel),
      ...["sent", "delivered", "opened", "clicked", "recovered", "unsubscribed", "refunded"].map((k) => cell(k, s[k], count(s[k]))),
      cell("held_back", s.skipped + s.deferred, t("{skipped} skipped ({holdout} holdout), {deferred} waiting",
        { skipped: count(s.skipped), holdout: count(s.holdout), deferred: count(s.deferred) })));
    return tr;
  }

  function draw(report) {
    const c = report.comparison;
    $("flows-method").textContent = t("Holdout {share} of eligible abandoners (per shopper)", { share: pct(report.holdout_share) }) +
      " · " + t("{method} · margin {pct}% of revenue · revenue {basis}",
        { method: t(c.method), pct: count(c.margin_pct), basis: t(c.revenue_basis) });
    const rows = c.rows.filter((r) => r.reason === "all");
    const body = $("flows-compare").tBodies[0];
    body.replaceChildren(...rows.map(compareRow));
    if (!rows.length) {
      const tr = el("tr"); tr.append(el("td", { colspan: "9", class: "muted" }, t("No flow has started yet."))); body.append(tr);
    }
    $("flows-steps").tBodies[0].replaceChildren(...report.steps.map(stepRow));
  }

  let last = null;  // the last answer, drawn again on a language switch
  document.addEventListener("cartcoach:lang", () => { if (last) draw(last); });

  async function refresh() {
    if (!state.store || $("app").hidden || document.hidden) return;
    try {
      const response = await fetch("/dashboard/api/flows/report?" + new URLSearchParams({ store: state.store }),
        { credentials: "same-origin", cache: "no-store" });
      if (response.ok) { last = await response.json(); draw(last); }
    } catch (err) { /* the dashboard's status line says when the server is away; retried next tick */ }
  }

  document.addEventListener("cartcoach:store", (e) => {
    state.store = e.detail.store;
    state.currency = e.detail.info.currency || "";
    clearInterval(state.timer);
    refresh();
    state.timer = setInterval(refresh, 5000);
  });
})();
