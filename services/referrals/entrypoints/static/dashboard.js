// refnet leaders' dashboard: plain SVG and HTML, no libraries. Live: an EventSource tells us when the projection
// moved. The page holds no data and no token: the leader signed in through the members app, whose HttpOnly
// session cookies this site receives too (same site: cookies ignore ports). Reports are fetched with those
// cookies; the stream ticket (a write) repeats the `refnet_csrf` cookie in `X-CSRF-Token`. When the access
// cookie has expired (401), the page renews the session at the members service (`POST /sign-in/refresh` with
// the refresh cookie, credentialed CORS), once at a time; when the session is gone, it sends the leader to sign in.
(function () {
  "use strict";
  const chapter = decodeURIComponent(location.pathname.split("/")[2] || "");
  const base = "/chapters/" + encodeURIComponent(chapter);
  const members = (document.querySelector('meta[name="refnet-members"]') || {}).content || "";
  const SIGN_IN = members + "/app/sign-in";
  const t = window.refnetText.t;
  const SIGNED_OUT = () => t("signed_out");
  let renewing = null, signedOut = false;
  const $ = (id) => document.getElementById(id);

  function csrf() {  // the session's CSRF token: readable by this site's pages only, repeated in a header
    const found = document.cookie.split("; ").find((c) => c.startsWith("refnet_csrf="));
    return found ? decodeURIComponent(found.slice("refnet_csrf=".length)) : "";
  }
  function signOut() {  // the session is gone: to the members app's sign-in page
    signedOut = true;
    $("status").textContent = SIGNED_OUT();
    location.assign(SIGN_IN);
    return new Error(SIGNED_OUT());
  }
  // true once renewed; false when the session cannot be (no refresh cookie, refused, or revoked);
  // throws on a passing failure (network, 429, 5xx), so a later call tries again
  async function renewOnce() {
    if (!members) return false;
    const r = await fetch(members + "/sign-in/refresh", {method: "POST", credentials: "include",
      headers: {"X-CSRF-Token": csrf()}, referrerPolicy: "no-referrer"});
    if (r.status === 429 || r.status >= 500) throw new Error("renewing the session: " + r.status);
    return r.ok;
  }
  function renew() {  // everyone who finds the session expired waits for the same renewal
    if (!renewing) renewing = renewOnce().finally(() => { renewing = null; });
    return renewing;
  }
  // fetch with the session cookies; on a 401, renew (once for everyone waiting) and retry once
  async function call(url, init) {
    const send = () => {
      const headers = {...(init.headers || {})};
      if (init.method && init.method !== "GET") headers["X-CSRF-Token"] = csrf();
      return fetch(url, {...init, headers, credentials: "same-origin", referrerPolicy: "no-referrer"});
    };
    if (signedOut) throw new Error(SIGNED_OUT());
    const r = await send();
    if (r.status !== 401) return r;
    if (!(await renew())) throw signOut();
    return send();
  }

  const NS = "http://www.w3.org/2000/svg";
  const iso = (d) => d.toISOString().slice(0, 10);
  const today = new Date();
  $("to").value = iso(today);
  $("from").value = iso(new Date(today.getTime() - 181 * 86400000));
  let money = (v) => String(v);
  function learnChapter(c) {  // the chapter's language; amounts in its currency, written that language's way
    if (!c) return;
    const language = c.language || document.documentElement.lang || "en";
    document.documentElement.lang = language;
    window.refnetText.use(language);
    try {
      const format = new Intl.NumberFormat(language, {style: "currency", currency: c.currency || "GBP"});
      money = (v) => format.format(Number(v));
    } catch (e) { money = (v) => v + " " + (c.currency || ""); }
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function html(name, className, text) {
    const e = document.createElement(name);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  async function get(path, extra) {
    const q = new URLSearchParams({from: $("from").value, to: $("to").value, ...(extra || {})});
    const r = await call(path + "?" + q, {});
    if (!r.ok) throw new Error(path + ": " + r.status);
    return r.json();
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // member id -> name (ids are for machines; leaders read names, whole)
  let names = {};
  const who = (id) => names[id] || id;
  function learnNames(rec) {
    names = {};
    rec.members.forEach((m) => { if (m.member_name) names[m.member_id] = m.member_name; });
    rec.pairs.forEach((p) => {
      if (p.giver_name) names[p.giver_id] = p.giver_name;
      if (p.receiver_name) names[p.receiver_id] = p.receiver_name;
    });
  }

  function matrix(rec) {  // the grid first, each row's whole name to its right; scrolls in its own box when wide
    const target = $("matrix"); clear(target);
    const svg = document.createDocumentFragment();
    const ids = rec.members.map((m) => m.member_id);
    const label = (i) => `${i + 1}. ${who(ids[i])}`;
    const longest = Math.max(4, ...ids.map((_, i) => label(i).length));
    const n = Math.max(ids.length, 1), size = 24, left = 2, top = 18;
    const width = left + n * size + 8 + Math.ceil(longest * 6), height = top + n * size + 4;
    target.setAttribute("width", width); target.setAttribute("height", height);
    target.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const counts = {}; let max = 1;
    rec.pairs.forEach((p) => { counts[p.giver_id + "|" + p.receiver_id] = p.referrals; max = Math.max(max, p.referrals); });
    ids.forEach((g, i) => {
      svg.appendChild(el("text", {x: left + n * size + 6, y: top + i * size + size * 0.7, "font-size": 10,
        class: "row-name", "data-member": g}, label(i)));
      svg.appendChild(el("text", {x: left + i * size + size / 2, y: top - 5, "text-anchor": "middle", "font-size": 10,
        class: "col-name", "data-member": g}, String(i + 1)));
      ids.forEach((r, j) => {
        const v = counts[g + "|" + r] || 0;
        const cell = el("rect", {x: left + j * size, y: top + i * size, width: size - 1, height: size - 1,
          fill: g === r ? "#eee" : `rgba(30, 90, 200, ${v ? 0.15 + 0.85 * v / max : 0.04})`,
          "data-pair": g + "->" + r, "data-count": v});
        cell.appendChild(el("title", {}, `${who(g)} → ${who(r)}: ${v}`));
        svg.appendChild(cell);
        if (v) svg.appendChild(el("text", {x: left + j * size + size / 2, y: top + i * size + size * 0.65,
          "text-anchor": "middle", "font-size": 10, fill: v / max > 0.5 ? "#fff" : "#000"}, String(v)));
      });
    });
    target.appendChild(svg);
  }
  function bars(rec) {  // HTML rows: names wrap instead of being cut off
    const list = $("bars"); clear(list);
    const max = Math.max(1, ...rec.members.map((m) => Math.max(m.given, m.received)));
    rec.members.forEach((m) => {
      const li = html("li");
      const name = html("span", "bar-name", m.member_name || m.member_id);
      name.dataset.member = m.member_id;
      li.appendChild(name);
      [["given", t("gave"), m.given], ["received", t("got"), m.received]].forEach(([kind, word, value]) => {
        const track = html("span", "track");
        const bar = html("span", "bar " + kind);
        bar.style.width = (70 * value / max) + "%";
        bar.dataset.member = m.member_id; bar.dataset.value = value;
        track.appendChild(bar);
        track.appendChild(html("span", "", `${word} ${value}`));
        li.appendChild(track);
      });
      li.appendChild(html("span", "note", `${t("index")} ${m.index === null ? "–" : m.index}`));
      list.appendChild(li);
    });
  }
  function funnel(conv) {
    const svg = $("funnel"); clear(svg);
    const max = Math.max(1, conv.funnel[0].count);
    conv.funnel.forEach((s, i) => {
      const w = 300 * s.count / max;
      svg.appendChild(el("rect", {x: 90 + (300 - w) / 2, y: 5 + i * 30, width: Math.max(w, 1), height: 26, fill: "#3f51b5"}));
      svg.appendChild(el("text", {x: 85, y: 23 + i * 30, "text-anchor": "end", "font-size": 11}, t(s.stage)));
      svg.appendChild(el("text", {x: 240, y: 23 + i * 30, "text-anchor": "middle", "font-size": 11, fill: "#fff",
        id: "funnel-" + s.stage}, String(s.count)));
    });
  }
  function table(id, head, rows) {
    const t = $(id); clear(t);
    const tr = t.insertRow();
    head.forEach((h) => { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; tr.appendChild(th); });
    rows.forEach((r) => { const row = t.insertRow(); r.forEach((c) => { const td = row.insertCell();
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null ? "–" : c; }); });
  }
  function week(w) {
    const total = w.totals[0];
    $("week-range").textContent = `${w.week.iso_week} (${w.week.from} – ${w.week.to})`;
    $("week-lateness").textContent = t("week_lateness", {slips: total.slips, late: total.slips_recorded_late,
      days: w.late_after_days, median: total.median_days_late === null ? "–" : total.median_days_late,
      max: total.max_days_late === null ? "–" : total.max_days_late});
    table("weekly", [t("member"), "P/A/L/M/S", t("given_in_out_t3"), t("received"), t("visitors"), t("one_to_ones"),
      t("tyfcb_given"), t("tyfcb_received"), t("ceu"), t("late"), t("max_days")],
      w.members.map((m) => [m.member_name || m.member_id, m.attendance,
        `${m.referrals_given_inside}/${m.referrals_given_outside}/${m.referrals_given_tier_3}`, m.referrals_received,
        m.visitors_invited, m.one_to_ones, money(m.tyfcb_as_giver), money(m.tyfcb_as_receiver), m.ceus,
        `${m.slips_recorded_late}/${m.slips}`, m.max_days_late]));
  }
  function light(colour) {  // the colour and its word: colour is never the only signal
    const cell = html("span", "light-word");
    cell.dataset.colour = colour;
    cell.appendChild(html("span", "light " + colour));
    cell.appendChild(document.createTextNode(t(colour)));
    return cell;
  }

  // integrity: each signal names its slips (the report's rows), nothing is hidden or edited; a share is a
  // fraction 0..1 in the report, shown as a whole percent
  const percent = (v) => v === null || v === undefined ? "–" : Math.round(Number(v) * 100) + "%";
  function integrity(r) {
    $("integrity-summary").textContent = t("integrity_summary", {duplicates: r.suspected_duplicates.length,
      pending: r.pending_confirmation.length, pairs: r.concentrated_pairs.length, late: r.back_dated.length,
      days: r.rules.back_dated_days, keyed: r.keyed_by_others.length});
    const rows = [];
    const thanked = (x) => t("thanked", {reporter: who(x.reported_by), thanked: who(x.thanked_member_id)});
    r.suspected_duplicates.forEach((d) => rows.push([t("suspected_duplicate"), thanked(d),
      t("looks_like", {amount: money(d.amount), day: d.occurred_on, other: money(d.other_amount),
        other_day: d.other_occurred_on})]));
    r.pending_confirmation.forEach((p) => rows.push([t("waiting_confirmation"), thanked(p),
      t("waiting_days", {amount: money(p.amount), day: p.occurred_on, days: p.days_waiting})]));
    r.concentrated_pairs.forEach((c) => rows.push([t("concentrated_pair"), `${who(c.giver_id)} → ${who(c.receiver_id)}`,
      t("share_of", {n: c.referrals, total: c.referrals_given, share: percent(c.share)})]));
    table("integrity-signals", [t("signal"), t("who"), t("what")], rows);
    const members = r.members.filter((m) => m.referrals_given || m.closed_business_credited || m.slips_recorded);
    table("integrity-members", [t("member"), t("effective"), t("top_partner"), t("unlinked"), t("disputed"),
      t("back_dated"), t("keyed_by_others")],
      members.map((m) => [who(m.member_id), `${m.referrals_given} (${Number(m.effective_referrals)})`,
        m.top_partner_id === null ? "–" : `${who(m.top_partner_id)} ${percent(m.top_partner_share)}`,
        percent(m.unlinked_share), percent(m.disputed_share), percent(m.back_dated_share), m.keyed_by_others]));
    $("integrity-card").dataset.duplicates = r.suspected_duplicates.length;
  }

  // `changed` names the projection's position: one the page already shows needs no redraw (the stream's first
  // event usually names what the first fetch drew); anything else (the form, the first load) always redraws
  let busy = false, again = false, shown = null, wanted = null;
  async function refresh(event) {
    if (signedOut) return;
    wanted = event && event.data !== undefined ? String(event.data) : null;
    if (busy) { again = true; return; }
    if (wanted !== null && wanted === String(shown)) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      const [rec, conv, lights, summary, weekly, signals] = await Promise.all([
        get(`${base}/reciprocity`), get(`${base}/conversion`),
        get(`${base}/traffic-lights`), get(`${base}/summary`),
        get(`${base}/weekly`, {week: $("to").value}), get(`${base}/integrity`)]);
      learnChapter(summary.chapter);
      learnNames(rec);
      matrix(rec); bars(rec); funnel(conv); week(weekly); integrity(signals);
      const s = summary.summary[0];
      $("kpi-referrals").textContent = s.referrals; $("kpi-value").textContent = money(s.closed_business_value);
      $("chapter-name").textContent = summary.chapter ? summary.chapter.chapter_name : chapter;
      table("lights", [t("member"), t("light"), t("score"), t("attendance"), t("refs"), t("one_to_ones"), t("ceu"),
        t("visitors")],
        lights.scorecards.map((c) => [c.member_name || c.member_id, light(c.colour), c.score, c.points_attendance,
          c.points_referrals, c.points_one_to_ones, c.points_ceus, c.points_visitors]));
      table("dormant", [t("pair"), t("one_to_ones"), t("last_one_to_one"), t("days_since_referral")],
        rec.dormant.map((d) => [(d.member_a_name || who(d.member_a)) + " – " + (d.member_b_name || who(d.member_b)),
          d.one_to_ones, d.last_one_to_one, d.days_since_last_referral]));
      $("status").textContent = t("live", {sequence: rec.as_of.sequence,
        time: new Date().toLocaleTimeString(document.documentElement.lang)});
      document.body.dataset.sequence = rec.as_of.sequence;
      shown = rec.as_of.sequence;
      $("reports").hidden = false;  // shown once filled: empty cards growing under the reader would jump
    } catch (e) { $("status").textContent = signedOut ? SIGNED_OUT() : t("error", {message: e.message}); }
    busy = false;
    if (again) { again = false; refresh(wanted === null ? undefined : {data: wanted}); }
  }
  $("window").addEventListener("submit", (e) => { e.preventDefault(); shown = null; refresh(); });
  // The stream opens with a single-use ticket (asked for with the session cookie), so the browser's own
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
        $("status").textContent = t("reconnecting"); setTimeout(listen, 2000);
      };
    } catch (e) {
      if (signedOut) return;
      $("status").textContent = t("retrying", {message: e.message});
      setTimeout(listen, 10000);
    }
  }
  listen();
  refresh();
})();
