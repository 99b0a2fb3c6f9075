// The scorecard's next best actions (read from the referrals service) and the asks: my ask, editable, and what
// the rest of the chapter is looking for (members service). Online only: an ask is not a slip for the outbox.

import { get, send, report, Refused } from './api.js';
import { h, field, message, detailText } from './ui.js';
import './i18n-asks.js';

const enc = encodeURIComponent;
const chapterPath = (ctx, path) => `/chapters/${enc(ctx.session.chapter_id)}${path}`;

function day(ctx, iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  try {
    return new Intl.DateTimeFormat(ctx.t.lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
  } catch {
    return iso;
  }
}

function describe(ctx, a) {
  const { t } = ctx;
  const name = a.member_name || ctx.name(a.member_id);
  if (a.action === 'lift') {
    return t('actions.lift', { what: t(`area.${a.area}`), more: a.more,
      points: new Intl.NumberFormat(t.lang).format(Number(a.points)), colour: t(`colour.${a.colour_after}`) });
  }
  if (a.action === 'give_back') return t('actions.give_back', { name, n: a.referrals_received });
  if (a.action === 'answer_ask') {
    return [t('actions.answer_ask', { name, words: (a.matched || []).join(', ') }), ' ', h('q', {}, a.ask)];
  }
  if (a.action === 'refer_after_one_to_one') return t('actions.refer_after_one_to_one', { name });
  if (a.action === 'revive') return t('actions.revive', { name, date: day(ctx, a.last_referral_on) });
  return a.action;
}

export async function nextActionsSection(ctx) {
  const { t, main } = ctx;
  const section = h('section', { class: 'actions', 'aria-labelledby': 'actions-title' },
    h('h3', { id: 'actions-title' }, t('actions.title')));
  main.append(section);
  let items;
  try {
    items = (await report(chapterPath(ctx, `/members/${enc(ctx.session.member_id)}/next-actions`))).next_actions || [];
  } catch {
    section.append(h('p', { class: 'hint' }, t('actions.unavailable')));
    return;
  }
  section.append(items.length ? h('ol', { class: 'next', id: 'next-actions' }, items.map((a) =>
    h('li', { 'data-action': a.action, 'data-member': a.member_id || '' }, describe(ctx, a)))) : h('p', {}, t('actions.none')));
}

export async function asksSection(ctx) {
  const { t, main } = ctx;
  const mePath = chapterPath(ctx, `/members/${enc(ctx.session.member_id)}/ask`);
  const input = h('textarea', { name: 'ask', maxlength: 200, rows: 2 });
  const since = h('p', { class: 'hint', id: 'ask-since' });
  const clear = h('button', { type: 'button', class: 'step declined' }, t('asks.clear'));
  const form = h('form', { class: 'slip', id: 'my-ask' }, field(t('asks.label'), input, t('asks.hint')), since,
    h('button', { type: 'submit', class: 'primary' }, t('asks.save')), ' ', clear);
  const list = h('ul', { class: 'plain', id: 'chapter-asks' });
  main.append(h('section', { 'aria-labelledby': 'ask-title' }, h('h3', { id: 'ask-title' }, t('asks.mine')), form),
    h('section', { 'aria-labelledby': 'asks-title' }, h('h3', { id: 'asks-title' }, t('asks.chapter')), list));

  const showMine = (ask) => {
    input.value = ask?.text || '';
    since.textContent = ask ? `${t('asks.since', { date: day(ctx, ask.asked_on) })}${ask.stale ? ` · ${t('asks.stale')}` : ''}` : '';
    clear.hidden = !ask;
  };
  const showChapter = async () => {
    const asks = (await get(chapterPath(ctx, '/asks'))).filter((a) => a.member_id !== ctx.session.member_id);
    list.replaceChildren(...(asks.length ? asks.map((a) => h('li', { 'data-member': a.member_id },
      h('strong', {}, a.name || ''), ` ${a.business || ''} · ${a.category || ''}`, h('br'), h('q', {}, a.text),
      ' ', h('span', { class: 'hint' }, `(${day(ctx, a.asked_on)})`))) : [h('li', {}, t('asks.noneYet'))]));
  };
  const act = async (method, body, done) => {
    try {
      const answer = await send(method, mePath, body);
      showMine(answer.text ? { ...answer, stale: false } : null);
      message(main, t(done));
      await showChapter();
    } catch (error) {
      message(main, error instanceof Refused ? detailText(error.detail) : t('offline'), 'error');
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); act('PUT', { text: input.value }, 'asks.saved'); });
  clear.addEventListener('click', () => act('DELETE', undefined, 'asks.cleared'));
  let mine = null;
  try {
    mine = await get(mePath);
  } catch (error) {
    if (!(error instanceof Refused && error.status === 404)) throw error;
  }
  showMine(mine);
  await showChapter();
}
