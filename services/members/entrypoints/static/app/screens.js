// Signing in, checking in, the inbox, the scorecard, meeting mode (leaders) and the member's sessions.

import { h, field, message, todayIn, detailText } from './ui.js';
import { get, send, report, requestLink, exchange, signOut, Refused, Offline } from './api.js';
import { record } from './outbox.js';
import { nextActionsSection, asksSection } from './asks.js';

const chapterPath = (ctx, path = '') => `/chapters/${encodeURIComponent(ctx.session.chapter_id)}${path}`;

function deviceName() {
  const ua = navigator.userAgent;
  const what = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iPhone' : /Mac/.test(ua) ? 'Mac' :
    /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'browser';
  return `refnet app (${what})`;
}

export async function signInScreen(ctx, hash) {
  const { t, main } = ctx;
  const code = new URLSearchParams(hash.slice(1)).get('code');
  if (code) {
    main.append(h('h2', {}, t('signIn.title')), h('p', { role: 'status' }, t('signIn.opening')));
    try {
      const kept = await exchange(code, deviceName());
      history.replaceState({}, '', '/app/record');  // the code leaves the address bar and the history
      await ctx.signedIn(kept);
      await ctx.go('record', true);
    } catch (error) {
      history.replaceState({}, '', '/app/sign-in');
      main.replaceChildren();
      await emailForm(ctx);
      message(main, error instanceof Offline ? t('offline') : t('signIn.badLink'), 'error');
    }
    return;
  }
  await emailForm(ctx);
}

async function emailForm(ctx) {
  const { t, main } = ctx;
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true, inputmode: 'email' });
  const form = h('form', { class: 'slip' }, field(t('signIn.email'), email, t('signIn.hint')),
    h('button', { type: 'submit', class: 'primary' }, t('signIn.send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await requestLink(email.value.trim());
      message(main, t('signIn.sent'));
    } catch (error) {
      message(main, error instanceof Refused ? detailText(error.detail) : t('offline'), 'error');
    }
  });
  main.append(h('h2', {}, t('signIn.title')), h('p', {}, t('signIn.intro')), form);
}

export async function checkInScreen(ctx, hash) {
  const { t, main } = ctx;
  const asked = new URLSearchParams(hash.slice(1));
  main.append(h('h2', {}, t('checkIn.title')));
  if (!ctx.session) {
    main.append(h('p', { role: 'alert' }, t('checkIn.signInFirst')));
    await emailForm(ctx);
    return;
  }
  const chapter = asked.get('chapter') || ctx.session.chapter_id;
  const code = asked.get('code');
  history.replaceState({}, '', '/app/check-in');
  if (!code) { main.append(h('p', {}, t('checkIn.scan'))); return; }
  try {
    const done = await send('POST', `/chapters/${encodeURIComponent(chapter)}/meetings/check-in`, { code });
    main.append(h('p', { class: 'message ok big', role: 'status', 'data-checked-in': done.meeting_date },
      '✓ ', t('checkIn.done', { date: formatDate(ctx, done.meeting_date) })));
  } catch (error) {
    message(main, error instanceof Refused ? detailText(error.detail) : t('offline'), 'error');
  }
}

function formatDate(ctx, iso) {
  try {
    return new Intl.DateTimeFormat(ctx.t.lang, { weekday: 'short', day: 'numeric', month: 'short' })
      .format(new Date(`${iso}T12:00:00`));
  } catch { return iso; }
}

function money(ctx, amount) {
  try {
    return new Intl.NumberFormat(ctx.t.lang, { style: 'currency', currency: ctx.chapter?.currency || 'EUR' })
      .format(Number(amount));
  } catch { return String(amount); }
}

const NEXT = { given: ['accepted', 'declined'], accepted: ['contacted', 'declined'], contacted: ['won', 'lost'] };
const MARK = { given: '●', accepted: '✓', contacted: '☎', won: '★', lost: '✕', declined: '⊘' };

function statusBadge(ctx, status) {
  return h('span', { class: `status s-${status}`, 'data-status': status }, `${MARK[status] || ''} ${ctx.t(`status.${status}`)}`);
}

export async function inboxScreen(ctx) {
  const { t, main } = ctx;
  main.append(h('h2', {}, t('inbox.title')));
  const me = ctx.session.member_id;
  const [referrals, closed] = await Promise.all([get(chapterPath(ctx, '/referrals')),
    get(chapterPath(ctx, '/closed-business')).catch(() => [])]);
  const received = referrals.filter((r) => r.receiver_id === me)
    .sort((a, b) => (NEXT[b.status] ? 1 : 0) - (NEXT[a.status] ? 1 : 0) || b.occurred_on.localeCompare(a.occurred_on));
  const thanks = closed.filter((c) => c.thanked_member_id === me && c.verdict === 'reported');
  main.append(h('h3', {}, t('inbox.received')),
    received.length ? h('ul', { class: 'cards' }, received.map((r) => h('li', {}, referralCard(ctx, r))))
      : h('p', {}, t('inbox.none')));
  main.append(h('h3', {}, t('inbox.thanks')),
    thanks.length ? h('ul', { class: 'cards' }, thanks.map((c) => h('li', {}, thanksCard(ctx, c))))
      : h('p', {}, t('inbox.noThanks')));
  const given = referrals.filter((r) => r.giver_id === me).reverse().slice(0, 20);
  if (given.length) {
    main.append(h('h3', {}, t('inbox.given')), h('ul', { class: 'plain' }, given.map((r) => h('li', {},
      `${ctx.name(r.receiver_id)} · ${formatDate(ctx, r.occurred_on)} `, statusBadge(ctx, r.status)))));
  }
}

function referralCard(ctx, r) {
  const { t } = ctx;
  const card = h('article', { class: 'card', 'data-referral': r.referral_id });
  const actions = h('div', { class: 'actions' });
  const detail = h('div', { class: 'prospect' });
  const draw = (status, note) => {
    card.replaceChildren(
      h('p', { class: 'who' }, h('strong', {}, ctx.name(r.giver_id)), ` · ${formatDate(ctx, r.occurred_on)}`),
      h('p', {}, `${t(`type.${r.referral_type}`)} · ${t('field.temperature')} ${r.temperature}/5 `, statusBadge(ctx, status),
        note ? h('span', { class: 'note' }, ` ${note}`) : null),
      detail, actions);
    actions.replaceChildren(...(NEXT[status] || []).map((step) => h('button', { type: 'button', class: `step ${step}`,
      'data-step': step, onclick: () => (step === 'declined' ? askReason(step) : move(step)) }, t(`step.${step}`))));
    if (!detail.childElementCount && !r.prospect_erased) {
      detail.append(h('button', { type: 'button', class: 'link', onclick: showProspect }, t('inbox.showProspect')));
    }
  };
  const move = async (step, reason) => {
    actions.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const body = { status: step };
    if (reason) body.reason = reason;
    try {
      const outcome = await record(chapterPath(ctx, `/referrals/${encodeURIComponent(r.referral_id)}/status`), body,
        t('slip.step', { step: t(`status.${step}`), name: ctx.name(r.giver_id) }));
      r.status = step;
      draw(step, outcome.waiting ? t('inbox.willSend') : '');
    } catch (error) {
      draw(r.status);
      message(ctx.main, error instanceof Refused ? detailText(error.detail) : String(error), 'error');
    }
  };
  const askReason = (step) => {
    const reason = h('input', { name: 'reason', maxlength: 500, required: true });
    actions.replaceChildren(field(t('inbox.reason'), reason),
      h('button', { type: 'button', class: 'step declined', onclick: () => reason.value.trim() ? move(step, reason.value.trim())
        : reason.focus() }, t('step.declined')),
      h('button', { type: 'button', class: 'link', onclick: () => draw(r.status) }, t('cancel')));
    reason.focus();
  };
  const showProspect = async () => {
    try {
      const full = await get(chapterPath(ctx, `/referrals/${encodeURIComponent(r.referral_id)}`));
      const p = full.prospect || {};
      detail.replaceChildren(h('dl', {}, ...[['field.prospect', p.name], ['field.company', p.company],
        ['field.phone', p.phone && h('a', { href: `tel:${p.phone}` }, p.phone)],
        ['field.email', p.email && h('a', { href: `mailto:${p.email}` }, p.email)], ['field.notes', p.notes]]
        .filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])));
    } catch (error) {
      ctx.fail(error);
    }
  };
  draw(r.status);
  return card;
}

function thanksCard(ctx, c) {
  const { t } = ctx;
  const card = h('article', { class: 'card', 'data-closed-business': c.closed_business_id });
  const judge = async (verdict, reason) => {
    const body = { verdict };
    if (reason) body.reason = reason;
    try {
      const outcome = await record(chapterPath(ctx, `/closed-business/${encodeURIComponent(c.closed_business_id)}/verdict`),
        body, t(`slip.${verdict}`, { name: ctx.name(c.reported_by) }));
      card.replaceChildren(h('p', { role: 'status' }, `✓ ${t(`verdict.${verdict}`)}`,
        outcome.waiting ? ` ${t('inbox.willSend')}` : ''));
    } catch (error) {
      message(ctx.main, error instanceof Refused ? detailText(error.detail) : String(error), 'error');
    }
  };
  const reason = h('input', { name: 'dispute', maxlength: 500 });
  card.append(h('p', { class: 'who' }, h('strong', {}, ctx.name(c.reported_by)), ` · ${formatDate(ctx, c.occurred_on)}`),
    h('p', { class: 'amount' }, money(ctx, c.amount), ` · ${t(`business.${c.business_kind}`)}`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'step won', onclick: () => judge('confirmed') }, t('verdict.confirm')),
      h('details', {}, h('summary', {}, t('verdict.dispute')), field(t('inbox.reason'), reason),
        h('button', { type: 'button', class: 'step declined', onclick: () => judge('disputed', reason.value.trim()) },
          t('verdict.dispute')))));
  return card;
}

const AREAS = ['attendance', 'referrals', 'one_to_ones', 'ceus', 'visitors'];

export async function scoreScreen(ctx) {
  const { t, main } = ctx;
  main.append(h('h2', {}, t('score.title')));
  const me = encodeURIComponent(ctx.session.member_id);
  const [card, balance] = await Promise.all([report(chapterPath(ctx, `/members/${me}/scorecard`)),
    report(chapterPath(ctx, `/members/${me}/balance`))]);
  const mine = card.scorecards[0];
  const most = Object.fromEntries((balance.raise_next || []).map((s) => [s.area, s.max_points]));
  main.append(h('div', { class: `light l-${mine.colour}`, 'data-colour': mine.colour },
    h('span', { class: 'lamp', 'aria-hidden': 'true' }),
    h('span', {}, h('strong', {}, t(`colour.${mine.colour}`)), ` · ${t('score.points', { n: mine.score })}`)));
  main.append(h('table', { class: 'areas' }, h('caption', {}, t('score.areas')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('score.area')), h('th', { scope: 'col' }, t('score.pointsCol')))),
    h('tbody', {}, AREAS.map((a) => {
      const got = Number(mine[`points_${a}`]);
      const max = Number(most[a] || 20);
      return h('tr', {}, h('th', { scope: 'row' }, t(`area.${a}`)), h('td', {},
        h('meter', { min: 0, max, value: got, 'aria-label': t(`area.${a}`) }), ` ${got} / ${max}`));
    }))));
  const steps = (balance.raise_next || []).slice(0, 3);
  main.append(h('h3', {}, t('score.next')), steps.length ? h('ol', { class: 'next' }, steps.map((s) => h('li', {},
    s.more_needed ? t(`next.${s.area}`, { n: s.more_needed }) : t(`next.${s.area}.plain`),
    ` (+${Number(s.missing)} ${t('score.pts')})`))) : h('p', {}, t('score.full')));
  main.append(h('h3', {}, t('score.balance')), h('dl', { class: 'balance' },
    h('dt', {}, t('score.given')), h('dd', { 'data-given': balance.given }, String(balance.given)),
    h('dt', {}, t('score.received')), h('dd', {}, String(balance.received)),
    h('dt', {}, t('score.valueGiven')), h('dd', {}, money(ctx, balance.value_given)),
    h('dt', {}, t('score.valueReceived')), h('dd', {}, money(ctx, balance.value_received))));
  main.append(h('h3', {}, t('score.notYet', { n: balance.not_referred_to.length })),
    h('ul', { class: 'plain' }, balance.not_referred_to.map((m) => h('li', {}, h('strong', {}, m.member_name || ''),
      ` ${m.business || ''} · ${m.category || ''}`))));
  await nextActionsSection(ctx);
  await asksSection(ctx);
}

const MARKS = ['P', 'A', 'L', 'M', 'S'];

export async function meetingScreen(ctx) {
  const { t, main } = ctx;
  main.append(h('h2', {}, t('meeting.title')));
  const qr = h('section', { class: 'qr', 'aria-labelledby': 'qr-title' }, h('h3', { id: 'qr-title' }, t('meeting.qr')));
  const start = h('button', { type: 'button', class: 'primary', onclick: () => showCode(ctx, qr, start) }, t('meeting.showQr'));
  qr.append(h('p', { class: 'hint' }, t('meeting.qrHint')), start);
  main.append(qr);
  const day = h('input', { type: 'date', name: 'meeting_date', value: todayIn(ctx.chapter?.timezone),
    max: todayIn(ctx.chapter?.timezone) });
  const list = h('div', { class: 'roll' });
  const form = h('form', { class: 'slip' }, field(t('meeting.date'), day), list,
    h('button', { type: 'submit', class: 'primary' }, t('meeting.save')));
  main.append(h('h3', {}, t('meeting.attendance')), form);
  const load = async () => {
    let marks = {};
    try {
      marks = Object.fromEntries((await get(chapterPath(ctx, `/meetings/${day.value}/attendance`)))
        .map((m) => [m.member_id, m]));
    } catch { /* offline: start blank */ }
    list.replaceChildren(...ctx.roster.filter((m) => m.active !== false).map((m) => {
      const sub = h('input', { name: `sub-${m.member_id}`, maxlength: 200, value: marks[m.member_id]?.substitute_name || '' });
      const subField = field(t('meeting.substitute'), sub);
      subField.hidden = marks[m.member_id]?.mark !== 'S';
      return h('fieldset', { class: 'mark-row', 'data-member': m.member_id }, h('legend', {}, m.name),
        h('div', { class: 'marks' }, MARKS.map((mark) => {
          const id = `mark-${m.member_id}-${mark}`;
          return h('span', { class: 'choice' }, h('input', { type: 'radio', name: `mark-${m.member_id}`, id, value: mark,
            checked: marks[m.member_id]?.mark === mark, onchange: () => { subField.hidden = mark !== 'S'; } }),
          h('label', { for: id, title: t(`mark.${mark}`) }, mark, h('span', { class: 'sr' }, ` ${t(`mark.${mark}`)}`)));
        })), subField);
    }));
  };
  day.addEventListener('change', load);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const marks = ctx.roster.map((m) => ({ member_id: m.member_id, mark: data.get(`mark-${m.member_id}`),
      substitute_name: (data.get(`sub-${m.member_id}`) || '').trim() || undefined })).filter((m) => m.mark);
    if (!marks.length) { message(main, t('missing', { fields: t('meeting.attendance') }), 'error'); return; }
    try {
      const outcome = await record(chapterPath(ctx, `/meetings/${day.value}/attendance`), { marks },
        t('slip.attendance', { n: marks.length }));
      message(main, outcome.waiting ? t('saved.waiting', { what: t('meeting.attendance') })
        : t('saved.sent', { what: t('meeting.attendance') }));
    } catch (error) {
      message(main, error instanceof Refused ? detailText(error.detail) : String(error), 'error');
    }
  });
  main.append(h('p', { class: 'hint' }, MARKS.map((m) => `${m} = ${t(`mark.${m}`)}`).join(' · ')));
  await load();
}

// The QR code generator (npm's qrcode-generator, put in place by `make`): loaded only when a leader shows a code.
async function loadQrLibrary() {
  try {
    return (await import('/app/qrcode.mjs')).default;
  } catch {
    return null;  // not installed: the check-in link is still shown
  }
}

function qrSvg(make, text) {
  const qr = make(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `-4 -4 ${n + 8} ${n + 8}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('class', 'qr-code');
  let d = '';
  for (let r = 0; r < n; r += 1) for (let c = 0; c < n; c += 1) if (qr.isDark(r, c)) d += `M${c} ${r}h1v1h-1z`;
  const back = document.createElementNS(NS, 'rect');
  for (const [k, v] of [['x', -4], ['y', -4], ['width', n + 8], ['height', n + 8], ['fill', '#fff']]) back.setAttribute(k, v);
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(back, path);
  return svg;
}

async function showCode(ctx, box, button) {
  const { t } = ctx;
  button.hidden = true;
  const make = await loadQrLibrary();
  const shown = h('div', { class: 'qr-box', 'aria-live': 'polite' });
  box.append(shown);
  const tick = async () => {
    if (!box.isConnected) return;
    try {
      const code = await get(chapterPath(ctx, '/meetings/check-in-code'));
      const picture = make ? qrSvg(make, code.url) : null;
      if (picture) picture.setAttribute('aria-label', t('meeting.qrLabel'));
      shown.replaceChildren(...[picture, h('p', { class: 'hint' }, t('meeting.changes')),
        h('a', { href: code.url, class: 'check-in-link', 'data-url': code.url, rel: 'nofollow' }, t('meeting.link'))]
        .filter(Boolean));
      const wait = Math.max(1000, new Date(code.expires_at).getTime() - Date.now() + 200);
      setTimeout(tick, wait);
    } catch (error) {
      shown.replaceChildren(h('p', { class: 'message error', role: 'alert' },
        '⚠ ', error instanceof Refused ? detailText(error.detail) : t('offline')));
      if (!(error instanceof Refused)) setTimeout(tick, 5000);
    }
  };
  await tick();
}

export async function moreScreen(ctx) {
  const { t, main } = ctx;
  main.append(h('h2', {}, t('more.title')));
  const me = ctx.roster.find((m) => m.member_id === ctx.session.member_id);
  if (me) main.append(h('p', {}, t('more.signedInAs', { name: me.name, business: me.business })));
  const list = h('ul', { class: 'cards' });
  main.append(h('h3', {}, t('more.sessions')), list);
  try {
    const sessions = await get('/me/sessions');
    list.replaceChildren(...sessions.map((s) => h('li', {}, h('article', { class: 'card' },
      h('p', {}, h('strong', {}, s.device || t('more.unnamed')), s.current ? ` (${t('more.this')})` : ''),
      h('p', { class: 'hint' }, t('more.lastUsed', { when: new Date(s.last_used_at || s.created_at).toLocaleString(t.lang) })),
      s.current ? null : h('button', { type: 'button', class: 'link', onclick: async () => {
        await send('DELETE', `/me/sessions/${encodeURIComponent(s.session_id)}`);
        main.replaceChildren();
        await moreScreen(ctx);
      } }, t('more.signOutThat'))))));
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
  main.append(h('button', { type: 'button', class: 'secondary', onclick: async () => {
    await signOut().catch(() => {});
    location.assign('/app/sign-in');
  } }, t('more.signOut')));
}
