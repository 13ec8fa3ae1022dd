// cartcoach outbox: every follow-up message as the shopper sees it. E-mails render in a
// sandboxed iframe (no scripts, no same-origin access); SMS/WhatsApp/push text is inserted as text.
"use strict";
(function () {
  const OWN = "cartcoach.outbox.key";
  const $ = (id) => document.getElementById(id);
  // Opened from the dashboard (?store=): the user's sign-in cookie reads the outbox; else the secret key.
  let store = new URLSearchParams(location.search).get("store");
  let key = store ? null : sessionStorage.getItem(OWN);

  const { el } = window.CartcoachDom;
  const I18N = window.CartcoachI18n;
  const t = I18N.t;
  // The secret key reads /v1/flows/…; the dashboard's sign-in cookie reads /dashboard/api/flows/…?store=.
  async function get(name, query) {
    const response = key
      ? await fetch(`/v1/flows/${name}?` + new URLSearchParams(query),
        { headers: { Authorization: "Bearer " + key }, cache: "no-store" })
      : await fetch(`/dashboard/api/flows/${name}?` + new URLSearchParams({ ...query, store }),
        { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) throw new Error("unauthorized");
    return response.json();
  }
  function message(m) {
    const li = el("li", { class: m.status, "data-channel": m.channel });
    const when = I18N.time(m.sent_ms || m.created_ms);
    li.append(el("div", { class: "meta" },
      t("{at} · {flow} step {step} · {channel} → {recipient} · {status}", { at: when, flow: m.flow, step: m.step + 1,
        channel: m.channel, recipient: m.recipient || "–", status: t(m.status) }) +
      (m.detail ? ` (${m.detail})` : "") + (m.coupon ? " · " + t("coupon {code}", { code: m.coupon }) : "")));
    if (m.status === "skipped" || m.status === "deferred") return li;
    if (m.channel === "email" && m.html) {
      li.append(el("div", { class: "subject" }, m.subject));
      const frame = el("iframe", { sandbox: "", title: t("E-mail: {subject}", { subject: m.subject || "" }), loading: "lazy" });
      frame.srcdoc = m.html;  // sandboxed: the e-mail's markup cannot run or reach this page
      li.append(frame);
    } else {
      li.append(el("div", { class: "sms" }, m.text));
    }
    return li;
  }
  async function refresh() {
    try {
      const [outbox, report] = await Promise.all([get("outbox", { limit: 60 }), get("report", {})]);
      $("messages").replaceChildren(...outbox.messages.map(message));
      const rows = report.steps.map((r) => {
        const tr = el("tr");
        for (const k of ["flow", "step", "channel", "sent", "opened", "clicked", "recovered", "unsubscribed", "refunded", "skipped", "holdout"])
          tr.append(el("td", ["flow", "channel"].includes(k) ? { translate: "no" } : {}, k === "step" ? r.step + 1 : r[k]));
        return tr;
      });
      $("report").querySelector("tbody").replaceChildren(...rows);
      $("status").textContent = t("{store}: {n} messages", { store: outbox.store_id, n: outbox.messages.length });
    } catch (e) {
      if (e.message === "unauthorized") { key = null; store = null; show(); }
      else $("status").textContent = t("Could not load the outbox; retrying.");
    }
  }
  function show() {
    $("login").hidden = !!(key || store);
    $("app").hidden = !(key || store);
    if (key || store) refresh();
  }
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    key = $("secret").value.trim();
    sessionStorage.setItem(OWN, key);
    show();
  });
  setInterval(() => { if ((key || store) && !document.hidden) refresh(); }, 3000);
  show();
})();
