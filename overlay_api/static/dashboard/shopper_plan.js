// cartcoach dashboard, shopper's plan panel: for one session (typed, or "plan" on a live row), what the
// page showed, each follow-up step (scheduled, sent, held back) with its due time in the store's zone,
// and the rule that held it back. Reads GET /v1/flows/plan as the signed-in user (session cookie, ?store=); text as text only.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { store: null, plan: null };
  const RULES = { consent: "no consent", quiet_hours: "quiet hours", cap: "frequency cap", iys: "İYS",
                  holdout: "holdout", purchase: "purchase", no_reason: "no confident reason", priority: "another flow won",
                  erasure: "erased", restart: "server restarted" };

  const { el } = window.CartcoachDom;
  const I18N = window.CartcoachI18n;
  const t = I18N.t;

  function contactPart(plan) {
    if (!plan.contact) return el("p", { class: "muted", "data-part": "contact" }, t("Not identified: no follow-ups for this session, only what the page showed."));
    const c = plan.contact;
    const consents = Object.entries(c.consents).map(([ch, v]) => t("{channel} {answer} ({source})",
      { channel: ch, answer: t(v.granted ? "yes" : "no"), source: v.source })).join(", ");
    return el("p", { "data-part": "contact" }, t("Contact {id} · {locale} · {zone} · consent: {consents} · sessions: {n}",
      { id: c.contact_id, locale: c.locale, zone: c.time_zone, consents: consents || t("none"), n: I18N.number(c.sessions.length) }));
  }

  function pagePart(plan) {
    const list = el("ul", { class: "plan-page" });
    for (const n of plan.page) {
      const what = n.shown ? t("shown: {incentive} (arm {arm})", { incentive: I18N.incentive(n.incentive), arm: n.arm }) : t("holdout: nothing shown");
      list.append(el("li", { "data-session": n.session_id, "data-shown": String(n.shown) },
        t("{at} · {what} · reason {reason} · {trigger}", { at: n.at_local, what, reason: t(n.reason), trigger: n.trigger || t("page") })));
    }
    if (!plan.page.length) list.append(el("li", { class: "muted" }, t("No nudge on the page.")));
    const box = el("div", { "data-part": "page" });
    box.append(el("h3", {}, t("On the page")), list);
    return box;
  }

  function runPart(run) {
    const box = el("div", { class: "plan-run", "data-run": run.run_id, "data-arm": run.arm });
    const ended = run.ended_reason ? ` (${run.ended_reason})` : "";
    box.append(el("h3", {}, t("{flow} · {arm} · reason {reason} · {status}", { flow: run.flow,
      arm: t(run.arm === "holdout" ? "flow holdout: planned, sends nothing" : "treated"), reason: t(run.reason), status: t(run.status) + ended })));
    const table = el("table", { class: "plan-steps" });
    const head = el("tr");
    for (const h of ["Step", "Channel", "Due (store time)", "State", "Why"]) head.append(el("th", { scope: "col" }, t(h)));
    table.append(el("thead"), el("tbody"));
    table.tHead.append(head);
    for (const s of run.steps) {
      const tr = el("tr", { "data-step": s.step, "data-state": s.state, "data-rule": s.rule || "" });
      const channel = s.channel + (s.fallback ? " " + t("(else {fallback})", { fallback: s.fallback }) : "") + (s.sent_on && s.sent_on !== s.channel ? ` → ${s.sent_on}` : "");
      const state = t(s.state) + (s.opened ? " · " + t("opened") : "") + (s.clicked ? " · " + t("clicked") : "") +
        (s.coupon ? " · " + t("coupon {code}", { code: s.coupon }) : "");
      const why = s.rule ? `${RULES[s.rule] ? t(RULES[s.rule]) : s.rule}: ${s.why}` : s.why;
      tr.append(el("td", {}, `${s.step + 1} · ${s.template}`), el("td", {}, channel), el("td", { class: "due" }, s.due_local),
        el("td", { class: "state" }, state), el("td", { class: "why" }, why || "–"));
      table.tBodies[0].append(tr);
    }
    box.append(table);
    return box;
  }

  async function load(session) {
    if (!state.store) return;
    const target = $("plan");
    let response;
    try {
      response = await fetch("/dashboard/api/flows/plan?" + new URLSearchParams({ store: state.store, session_id: session }),
        { credentials: "same-origin", cache: "no-store" });
    } catch (err) {
      target.replaceChildren(el("p", { class: "error", role: "alert" }, t("Server unreachable; try again.")));
      return;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      target.replaceChildren(el("p", { class: "error", role: "alert" }, body.error || t("Could not load the plan ({status}).", { status: response.status })));
      return;
    }
    state.plan = await response.json();
    draw(state.plan);
  }
  function draw(plan) {
    const target = $("plan");
    const title = el("p", { "data-part": "session" }, t("Session {id} · times in {zone}", { id: plan.session_id, zone: plan.time_zone }));
    target.replaceChildren(title, contactPart(plan), pagePart(plan), ...plan.runs.map(runPart));
    if (plan.contact && !plan.runs.length) target.append(el("p", { class: "muted" }, t("No follow-up flow has started for this shopper.")));
  }

  document.addEventListener("cartcoach:store", (e) => {
    if (e.detail.store !== state.store) { $("plan").replaceChildren(); state.plan = null; }  // another store: not its shopper
    state.store = e.detail.store;
  });
  document.addEventListener("cartcoach:lang", () => { if (state.plan) draw(state.plan); });
  document.addEventListener("DOMContentLoaded", () => {
    $("plan-form").addEventListener("submit", (e) => { e.preventDefault(); load($("plan-session").value.trim()); });
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("button.plan-link");
    if (!button) return;
    $("plan-session").value = button.dataset.session;
    load(button.dataset.session);
    $("plan-panel").scrollIntoView({ block: "nearest" });
  });
})();
