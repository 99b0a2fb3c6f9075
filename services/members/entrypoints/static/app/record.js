// Recording slips: a referral (the fast path: receiver by search as you type, type, temperature, prospect,
// day), closed business, a one-to-one, a CEU, a visitor. Each goes through the outbox: sent now when the
// service is reachable, kept and sent later when it is not.

import { h, field, choices, message, todayIn, detailText } from './ui.js';
import { record } from './outbox.js';
import { get, Refused } from './api.js';

const KINDS = ['referral', 'closed', 'one-to-one', 'ceu', 'visitor'];

export async function recordScreen(ctx, kind = sessionStorage.getItem('refnet.kind') || 'referral') {
  const { t, main } = ctx;
  const form = h('form', { class: 'slip', novalidate: true });
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': t('record.what') },
    KINDS.map((k) => h('button', { type: 'button', 'aria-pressed': String(k === kind), 'data-kind': k,
      onclick: () => { sessionStorage.setItem('refnet.kind', k); main.replaceChildren(); recordScreen(ctx, k); } },
    t(`kind.${k}`))));
  main.append(h('h2', {}, t('record.title')), tabs, form);
  const builders = { referral, closed, 'one-to-one': oneToOne, ceu, visitor };
  await builders[kind](ctx, form);
}

function others(ctx) {
  return ctx.roster.filter((m) => m.member_id !== ctx.session.member_id && m.active !== false);
}

function dayField(ctx) {
  const today = todayIn(ctx.chapter?.timezone);
  return field(ctx.t('field.day'), h('input', { type: 'date', name: 'occurred_on', value: today, max: today, required: true }));
}

// Send the slip, say what happened, and clear the form for the next one.
async function submit(ctx, form, path, body, label, again) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const outcome = await record(`/chapters/${encodeURIComponent(ctx.session.chapter_id)}${path}`, body, label);
    ctx.main.replaceChildren();
    await again();
    message(ctx.main, outcome.waiting ? ctx.t('saved.waiting', { what: label }) : ctx.t('saved.sent', { what: label }));
  } catch (error) {
    button.disabled = false;
    if (error instanceof Refused) message(ctx.main, detailText(error.detail), 'error');
    else ctx.fail(error);
  }
}

function memberPicker(ctx, name, label) {
  const { t } = ctx;
  const chosen = h('input', { type: 'hidden', name });
  const search = h('input', { type: 'search', autocomplete: 'off', placeholder: t('picker.placeholder'),
    'aria-controls': `${name}-results`, spellcheck: 'false' });
  const results = h('ul', { class: 'results', id: `${name}-results`, 'aria-label': t('picker.results') });
  const picked = h('p', { class: 'picked', 'aria-live': 'polite' });
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const found = others(ctx).filter((m) => !q || [m.name, m.business, m.category]
      .some((s) => (s || '').toLowerCase().includes(q))).slice(0, q ? 8 : 5);
    results.replaceChildren(...found.map((m) => h('li', {}, h('button', { type: 'button', class: 'member',
      'data-member': m.member_id, onclick: () => choose(m) },
    h('strong', {}, m.name), h('span', {}, ` ${m.business} · ${m.category}`)))));
  };
  const choose = (m) => {
    chosen.value = m.member_id;
    picked.replaceChildren('✓ ', t('picker.chosen', { name: m.name }), ' ', h('button', { type: 'button', class: 'link',
      onclick: () => { chosen.value = ''; picked.replaceChildren(); results.hidden = false; search.hidden = false; search.focus(); } },
    t('picker.change')));
    results.hidden = true;
    search.hidden = true;
    search.value = '';
  };
  search.addEventListener('input', render);
  render();
  const box = field(label, search, t('picker.hint'));
  box.append(results, picked, chosen);
  return box;
}

let hints = 0;

function typeChoice(ctx) {
  hints += 1;
  const set = choices(ctx.t('field.type'), 'referral_type',
    ['inside', 'outside', 'tier-3'].map((v) => [v, ctx.t(`type.${v}`)]), 'outside');
  const hint = h('p', { class: 'hint', id: `type-hint-${hints}` }, ctx.t('type.hint'));
  set.setAttribute('aria-describedby', hint.id);
  set.append(hint);
  return set;
}

async function referral(ctx, form) {
  const { t } = ctx;
  const meaning = h('p', { class: 'hint', id: 'temperature-meaning', 'aria-live': 'polite' }, t('temperature.pick'));
  form.append(
    memberPicker(ctx, 'receiver_id', t('field.receiver')),
    typeChoice(ctx),
    h('div', {}, choices(t('field.temperature'), 'temperature', [1, 2, 3, 4, 5].map((v) => [String(v), String(v)]), null,
      (v) => { meaning.textContent = `${v}: ${t(`temperature.${v}`)}`; }), meaning),
    field(t('field.prospect'), h('input', { name: 'name', autocomplete: 'off', required: true, maxlength: 200 })),
    field(t('field.phone'), h('input', { name: 'phone', type: 'tel', autocomplete: 'off', maxlength: 50 })),
    field(t('field.email'), h('input', { name: 'email', type: 'email', autocomplete: 'off', maxlength: 254 })),
    field(t('field.company'), h('input', { name: 'company', autocomplete: 'off', maxlength: 200 })),
    field(t('field.notes'), h('textarea', { name: 'notes', rows: 2, maxlength: 2000 })),
    dayField(ctx),
    h('button', { type: 'submit', class: 'primary' }, t('record.referral')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    const missing = [!v.receiver_id && t('field.receiver'), !v.temperature && t('field.temperature'),
      !v.name.trim() && t('field.prospect')].filter(Boolean);
    if (missing.length) { message(ctx.main, t('missing', { fields: missing.join(', ') }), 'error'); return; }
    const prospect = { name: v.name.trim() };
    for (const k of ['phone', 'email', 'company', 'notes']) if (v[k].trim()) prospect[k] = v[k].trim();
    submit(ctx, form, '/referrals', { receiver_id: v.receiver_id, referral_type: v.referral_type,
      temperature: Number(v.temperature), prospect, occurred_on: v.occurred_on },
    t('slip.referral', { name: ctx.name(v.receiver_id) }), () => recordScreen(ctx, 'referral'));
  });
}

async function closed(ctx, form) {
  const { t } = ctx;
  let mine = [];
  try {
    mine = (await get(`/chapters/${encodeURIComponent(ctx.session.chapter_id)}/referrals`))
      .filter((r) => r.receiver_id === ctx.session.member_id && r.status !== 'declined');
  } catch { /* offline: thank a member without picking the referral */ }
  const select = h('select', { name: 'referral_id' }, h('option', { value: '' }, t('closed.noReferral')),
    mine.reverse().map((r) => h('option', { value: r.referral_id, 'data-giver': r.giver_id },
      `${ctx.name(r.giver_id)} · ${r.occurred_on} · ${t(`status.${r.status}`)}`)));
  const thanked = h('select', { name: 'thanked_member_id' }, h('option', { value: '' }, '—'),
    others(ctx).map((m) => h('option', { value: m.member_id }, `${m.name} (${m.business})`)));
  select.addEventListener('change', () => {
    const giver = select.selectedOptions[0].dataset.giver;
    if (giver) thanked.value = giver;
  });
  form.append(field(t('field.fromReferral'), select), field(t('field.thanked'), thanked),
    field(t('field.amount', { currency: ctx.chapter?.currency || '' }),
      h('input', { name: 'amount', inputmode: 'decimal', autocomplete: 'off', pattern: '[0-9]+([.,][0-9]{1,2})?' })),
    choices(t('field.business'), 'business_kind', [['new', t('business.new')], ['repeat', t('business.repeat')]], 'new'),
    typeChoice(ctx), dayField(ctx), h('button', { type: 'submit', class: 'primary' }, t('record.closed')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    const amount = (v.amount || '').replace(',', '.').trim();
    if (!v.thanked_member_id || !/^\d+(\.\d{1,2})?$/.test(amount)) {
      message(ctx.main, t('missing', { fields: `${t('field.thanked')}, ${t('field.amount', { currency: '' })}` }), 'error');
      return;
    }
    const body = { thanked_member_id: v.thanked_member_id, amount, business_kind: v.business_kind,
      referral_type: v.referral_type, occurred_on: v.occurred_on };
    if (v.referral_id) body.referral_id = v.referral_id;
    submit(ctx, form, '/closed-business', body, t('slip.closed', { name: ctx.name(v.thanked_member_id) }),
      () => recordScreen(ctx, 'closed'));
  });
}

async function oneToOne(ctx, form) {
  const { t } = ctx;
  form.append(memberPicker(ctx, 'with_member_id', t('field.with')),
    choices(t('field.mode'), 'mode', ['in-person', 'video', 'phone'].map((v) => [v, t(`mode.${v}`)]), 'in-person'),
    dayField(ctx), h('button', { type: 'submit', class: 'primary' }, t('record.oneToOne')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    if (!v.with_member_id) { message(ctx.main, t('missing', { fields: t('field.with') }), 'error'); return; }
    submit(ctx, form, '/one-to-ones', { with_member_id: v.with_member_id, mode: v.mode, occurred_on: v.occurred_on },
      t('slip.oneToOne', { name: ctx.name(v.with_member_id) }), () => recordScreen(ctx, 'one-to-one'));
  });
}

async function ceu(ctx, form) {
  const { t } = ctx;
  form.append(field(t('field.learned'), h('input', { name: 'description', required: true, maxlength: 500 })),
    field(t('field.credits'), h('input', { name: 'credits', type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' })),
    dayField(ctx), h('button', { type: 'submit', class: 'primary' }, t('record.ceu')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    if (!v.description.trim()) { message(ctx.main, t('missing', { fields: t('field.learned') }), 'error'); return; }
    submit(ctx, form, '/ceus', { description: v.description.trim(), credits: Number(v.credits) || 1,
      occurred_on: v.occurred_on }, t('slip.ceu'), () => recordScreen(ctx, 'ceu'));
  });
}

async function visitor(ctx, form) {
  const { t } = ctx;
  form.append(field(t('field.visitor'), h('input', { name: 'visitor_name', required: true, maxlength: 200, autocomplete: 'off' })),
    field(t('field.visitorBusiness'), h('input', { name: 'business', maxlength: 200, autocomplete: 'off' })),
    dayField(ctx), h('button', { type: 'submit', class: 'primary' }, t('record.visitor')));
  // the chapter's public page: the guest registers themself, names the member who invited them, and is reminded
  const page = `${location.origin}/visit/${encodeURIComponent(ctx.session.chapter_id)}`;
  form.append(h('p', {}, t('visitor.page'), ' ', h('a', { href: page }, page)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form));
    if (!v.visitor_name.trim()) { message(ctx.main, t('missing', { fields: t('field.visitor') }), 'error'); return; }
    const body = { visitor_name: v.visitor_name.trim(), occurred_on: v.occurred_on };
    if (v.business.trim()) body.business = v.business.trim();
    submit(ctx, form, '/visitors', body, t('slip.visitor', { name: body.visitor_name }), () => recordScreen(ctx, 'visitor'));
  });
}
