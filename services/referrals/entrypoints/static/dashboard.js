// refnet leaders' dashboard: plain SVG, no libraries. Live: an EventSource tells us when the projection moved.
// The page holds no data and no token: the chapter is in the path, the leader's tokens arrive in the URL's
// fragment (#token=<access>&refresh=<refresh>, which browsers never send to a server), are kept in this tab's
// sessionStorage and taken out of the address bar at once; the access token travels as `Authorization: Bearer`
// only. When it has expired (401), the refresh token renews the pair at the members service (its URL is in
// <meta name="refnet-members">), once at a time: a second renewal with the same, now spent, refresh token
// would look like a replay and end the session.
(function () {
  "use strict";
  const chapter = decodeURIComponent(location.pathname.split("/")[2] || "");
  const base = "/chapters/" + encodeURIComponent(chapter);
  const KEPT = "refnet-token:" + chapter, RENEWS = "refnet-refresh:" + chapter;
  const SIGNED_OUT = "signed out: open the dashboard link again";
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token")) {
    sessionStorage.setItem(KEPT, fragment.get("token"));
    if (fragment.has("refresh")) sessionStorage.setItem(RENEWS, fragment.get("refresh"));
    else sessionStorage.removeItem(RENEWS);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const members = (document.querySelector('meta[name="refnet-members"]') || {}).content || "";
  let renewing = null, signedOut = false;

  function signOut() {
    signedOut = true;
    sessionStorage.removeItem(KEPT); sessionStorage.removeItem(RENEWS);
    $("status").textContent = SIGNED_OUT;
    return new Error(SIGNED_OUT);
  }
  // true once the pair is renewed; false when the session cannot be (no refresh token, or it is refused);
  // throws on a passing failure (network, 429, 5xx), keeping the refresh token for a later try
  async function renewOnce() {
    const spent = sessionStorage.getItem(RENEWS);
    if (!spent || !members) return false;
    const r = await fetch(members + "/sign-in/refresh", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({refresh_token: spent}), credentials: "omit", referrerPolicy: "no-referrer"});
    if (r.status === 429 || r.status >= 500) throw new Error("renewing the session: " + r.status);
    if (!r.ok) return false;
    const pair = await r.json();
    sessionStorage.setItem(KEPT, pair.access_token); sessionStorage.setItem(RENEWS, pair.refresh_token);
    return true;
  }
  function renew() {  // everyone who finds the token expired waits for the same renewal
    if (!renewing) renewing = renewOnce().finally(() => { renewing = null; });
    return renewing;
  }
  // fetch with the bearer token; on a 401, renew (unless someone already did since) and retry once
  async function call(url, init) {
    const send = (token) => fetch(url, {...init, referrerPolicy: "no-referrer",
      headers: {...(init.headers || {}), Authorization: "Bearer " + token}});
    if (signedOut) throw new Error(SIGNED_OUT);
    const used = sessionStorage.getItem(KEPT) || "";
    const r = await send(used);
    if (r.status !== 401) return r;
    if (sessionStorage.getItem(KEPT) === used && !(await renew())) throw signOut();
    if (signedOut) throw new Error(SIGNED_OUT);
    return send(sessionStorage.getItem(KEPT) || "");
  }
  const token = sessionStorage.getItem(KEPT) || "";
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const iso = (d) => d.toISOString().slice(0, 10);
  const today = new Date();
  $("to").value = iso(today);
  $("from").value = iso(new Date(today.getTime() - 181 * 86400000));
  $("chapter").textContent = chapter;

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  async function get(path, extra) {
    const q = new URLSearchParams({from: $("from").value, to: $("to").value, ...(extra || {})});
    const r = await call(path + "?" + q, {});
    if (!r.ok) throw new Error(path + ": " + r.status);
    return r.json();
  }
  function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); }

  // member id -> name (ids are for machines; leaders read names)
  let names = {};
  const who = (id) => names[id] || id;
  const short = (text, n) => (text.length > n ? text.slice(0, n - 1) + "…" : text);
  function learnNames(rec) {
    names = {};
    rec.members.forEach((m) => { if (m.member_name) names[m.member_id] = m.member_name; });
    rec.pairs.forEach((p) => {
      if (p.giver_name) names[p.giver_id] = p.giver_name;
      if (p.receiver_name) names[p.receiver_id] = p.receiver_name;
    });
  }

  function matrix(rec) {
    const svg = $("matrix"); clear(svg);
    const ids = rec.members.map((m) => m.member_id);
    const n = Math.max(ids.length, 1), size = Math.min(40, Math.floor(340 / n)), off = 70;
    const counts = {}; let max = 1;
    rec.pairs.forEach((p) => { counts[p.giver_id + "|" + p.receiver_id] = p.referrals; max = Math.max(max, p.referrals); });
    ids.forEach((g, i) => {
      const label = short(who(g), 12);
      svg.appendChild(el("text", {x: off - 4, y: off + i * size + size * 0.7, "text-anchor": "end", "font-size": 10,
        class: "row-name", "data-member": g}, label));
      svg.appendChild(el("text", {x: off + i * size + 2, y: off - 4, "font-size": 10, class: "col-name", "data-member": g,
        transform: `rotate(-45 ${off + i * size + 2} ${off - 4})`}, label));
      ids.forEach((r, j) => {
        const v = counts[g + "|" + r] || 0;
        const cell = el("rect", {x: off + j * size, y: off + i * size, width: size - 1, height: size - 1,
          fill: g === r ? "#eee" : `rgba(30, 90, 200, ${v ? 0.15 + 0.85 * v / max : 0.04})`,
          "data-pair": g + "->" + r, "data-count": v});
        cell.appendChild(el("title", {}, `${who(g)} → ${who(r)}: ${v}`));
        svg.appendChild(cell);
        if (v) svg.appendChild(el("text", {x: off + j * size + size / 2, y: off + i * size + size * 0.65,
          "text-anchor": "middle", "font-size": 10, fill: v / max > 0.5 ? "#fff" : "#000"}, String(v)));
      });
    });
  }
  function bars(rec) {
    const svg = $("bars"); clear(svg);
    const rows = rec.members, h = Math.min(24, Math.floor(280 / Math.max(rows.length, 1)));
    const max = Math.max(1, ...rows.map((m) => Math.max(m.given, m.received)));
    rows.forEach((m, i) => {
      const y = 10 + i * h, w = 150;
      svg.appendChild(el("text", {x: 60, y: y + h * 0.6, "text-anchor": "end", "font-size": 10, class: "bar-name",
        "data-member": m.member_id}, short(m.member_name || m.member_id, 11)));
      svg.appendChild(el("rect", {x: 65, y: y, width: w * m.given / max, height: h / 2 - 1, fill: "#2e7d32",
        class: "given", "data-member": m.member_id, "data-value": m.given}));
      svg.appendChild(el("rect", {x: 65, y: y + h / 2, width: w * m.received / max, height: h / 2 - 1, fill: "#f57c00",
        class: "received", "data-member": m.member_id, "data-value": m.received}));
      svg.appendChild(el("text", {x: 70 + w, y: y + h * 0.6, "font-size": 10},
        `gave ${m.given} · got ${m.received} · index ${m.index === null ? "–" : m.index}`));
    });
  }
  function funnel(conv) {
    const svg = $("funnel"); clear(svg);
    const max = Math.max(1, conv.funnel[0].count);
    conv.funnel.forEach((s, i) => {
      const w = 300 * s.count / max;
      svg.appendChild(el("rect", {x: 90 + (300 - w) / 2, y: 5 + i * 30, width: Math.max(w, 1), height: 26, fill: "#5c6bc0"}));
      svg.appendChild(el("text", {x: 85, y: 23 + i * 30, "text-anchor": "end", "font-size": 11}, s.stage));
      svg.appendChild(el("text", {x: 240, y: 23 + i * 30, "text-anchor": "middle", "font-size": 11, fill: "#fff",
        id: "funnel-" + s.stage}, String(s.count)));
    });
  }
  function table(id, head, rows) {
    const t = $(id); t.innerHTML = "";
    const tr = t.insertRow(); head.forEach((h) => { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); });
    rows.forEach((r) => { const row = t.insertRow(); r.forEach((c) => { const td = row.insertCell();
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null ? "–" : c; }); });
  }
  function week(w) {
    const t = w.totals[0];
    $("week-range").textContent = `${w.week.iso_week} (${w.week.from} – ${w.week.to})`;
    $("week-lateness").textContent = `${t.slips} slips · ${t.slips_recorded_late} recorded late ` +
      `(> ${w.late_after_days} day) · median ${t.median_days_late === null ? "–" : t.median_days_late} · ` +
      `max ${t.max_days_late === null ? "–" : t.max_days_late} days late`;
    table("weekly", ["member", "P/A/L/M/S", "given in/out/t3", "recv", "visitors", "1-2-1", "TYFCB given",
      "TYFCB recv", "CEU", "late", "max days"],
      w.members.map((m) => [m.member_name || m.member_id, m.attendance,
        `${m.referrals_given_inside}/${m.referrals_given_outside}/${m.referrals_given_tier_3}`, m.referrals_received,
        m.visitors_invited, m.one_to_ones, m.tyfcb_as_giver, m.tyfcb_as_receiver, m.ceus,
        `${m.slips_recorded_late}/${m.slips}`, m.max_days_late]));
  }
  function light(colour) { const s = document.createElement("span"); s.className = "light " + colour; s.title = colour; return s; }

  let busy = false, again = false;
  async function refresh() {
    if (signedOut) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      const [rec, conv, lights, summary, weekly] = await Promise.all([
        get(`${base}/reciprocity`), get(`${base}/conversion`),
        get(`${base}/traffic-lights`), get(`${base}/summary`),
        get(`${base}/weekly`, {week: $("to").value})]);
      learnNames(rec);
      matrix(rec); bars(rec); funnel(conv); week(weekly);
      const s = summary.summary[0];
      $("kpi-referrals").textContent = s.referrals; $("kpi-value").textContent = s.closed_business_value;
      $("chapter-name").textContent = summary.chapter ? "· " + summary.chapter.chapter_name : "";
      table("lights", ["member", "light", "score", "attend.", "refs", "1-2-1", "CEU", "visitors"],
        lights.scorecards.map((c) => [c.member_name || c.member_id, light(c.colour), c.score, c.points_attendance,
          c.points_referrals, c.points_one_to_ones, c.points_ceus, c.points_visitors]));
      table("dormant", ["pair", "1-2-1s", "last 1-2-1", "days since referral"],
        rec.dormant.map((d) => [(d.member_a_name || who(d.member_a)) + " – " + (d.member_b_name || who(d.member_b)),
          d.one_to_ones, d.last_one_to_one, d.days_since_last_referral]));
      $("status").textContent = `live · as of event ${rec.as_of.sequence} (${new Date().toLocaleTimeString()})`;
      document.body.dataset.sequence = rec.as_of.sequence;
    } catch (e) { $("status").textContent = signedOut ? SIGNED_OUT : "error: " + e.message; }
    busy = false;
    if (again) { again = false; refresh(); }
  }
  $("window").addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
  // The stream opens with a single-use ticket (an EventSource cannot send a header), so the browser's own
  // reconnection, which reuses the URL, would be refused: on any error, close it and open a new one with a
  // new ticket. Its first `changed` refreshes, so nothing that moved meanwhile is missed.
  async function listen() {
    try {
      const r = await call(`${base}/stream-tickets`, {method: "POST"});
      if (!r.ok) throw new Error("stream ticket: " + r.status);
      const ticket = (await r.json()).ticket;
      const source = new EventSource(`${base}/stream?ticket=${encodeURIComponent(ticket)}`);
      source.addEventListener("changed", refresh);
      source.onerror = () => {
        source.close();
        if (signedOut) return;
        $("status").textContent = "reconnecting…"; setTimeout(listen, 2000);
      };
    } catch (e) {
      if (signedOut) { $("status").textContent = SIGNED_OUT; return; }
      $("status").textContent = "error: " + e.message + " (retrying)";
      setTimeout(listen, 10000);
    }
  }
  if (!token) {
    $("status").textContent = "no token: open this page as …/dashboard#token=<access token>&refresh=<refresh token>";
    return;
  }
  listen();
  refresh();
})();
