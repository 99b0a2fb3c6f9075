// The member app's shell: who is signed in, the chapter (its language, roster), the screens and the outbox.

import { get, session, exchange, SignedOut, Offline, Refused } from './api.js';
import { texts, pick } from './i18n.js';
import { h, message, detailText } from './ui.js';
import { onChange, sync, takeRefusals } from './outbox.js';
import { recordScreen } from './record.js';
import { inboxScreen, scoreScreen, meetingScreen, moreScreen, signInScreen, checkInScreen } from './screens.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const CHAPTER = 'refnet.chapter';
const ROSTER = 'refnet.roster';

function cached(name) {
  try { return JSON.parse(localStorage.getItem(name) || 'null'); } catch { return null; }
}

const ctx = {
  main,
  session: session(),
  chapter: cached(CHAPTER),
  roster: cached(ROSTER) || [],
  t: texts(pick(cached(CHAPTER)?.language)),
  go,
  fail,
  name(memberId) {
    const found = ctx.roster.find((m) => m.member_id === memberId);
    return found ? found.name : ctx.t('someone');
  },
  get isLeader() {
    const me = ctx.roster.find((m) => m.member_id === ctx.session?.member_id);
    return ['president', 'vice-president', 'secretary'].includes(me ? me.role : ctx.session?.role);
  },
  async signedIn(kept) {
    ctx.session = kept;
    await loadChapter();
    sync();  // this member's slips kept from an earlier session on this phone, if any
  },
};

async function loadChapter() {
  if (!ctx.session) return;
  const id = ctx.session.chapter_id;
  try {
    const [chapter, roster] = await Promise.all([
      get(`/chapters/${encodeURIComponent(id)}`), get(`/chapters/${encodeURIComponent(id)}/members`)]);
    ctx.chapter = chapter;
    ctx.roster = roster;
    localStorage.setItem(CHAPTER, JSON.stringify(chapter));
    localStorage.setItem(ROSTER, JSON.stringify(roster));
  } catch (error) {
    if (!(error instanceof Offline)) throw error;  // offline: the cached chapter and roster serve
  }
  ctx.t = texts(pick(ctx.chapter?.language));
  chrome();
}

const SCREENS = {
  record: recordScreen, inbox: inboxScreen, score: scoreScreen, meeting: meetingScreen, more: moreScreen,
};

function chrome() {
  const { t } = ctx;
  document.documentElement.lang = t.lang;
  document.getElementById('title').textContent = ctx.chapter ? ctx.chapter.name : 'refnet';
  document.querySelector('.skip').textContent = t('skip');
  nav.replaceChildren(...['record', 'inbox', 'score', ...(ctx.isLeader ? ['meeting'] : []), 'more'].map((screen) =>
    h('a', { href: `/app/${screen}`, 'data-screen': screen, onclick: (e) => { e.preventDefault(); go(screen); } },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[screen]), t(`nav.${screen}`))));
  nav.hidden = !ctx.session;
}

const ICONS = { record: '✚', inbox: '⇩', score: '◔', meeting: '☷', more: '⋯' };

function current() {
  const screen = location.pathname.replace(/^\/app\/?/, '').split('/')[0];
  return screen || (ctx.session ? 'record' : 'sign-in');
}

export async function go(screen, replace = false) {
  const path = `/app/${screen}`;
  if (location.pathname !== path) history[replace ? 'replaceState' : 'pushState']({}, '', path);
  await show();
}

async function show() {
  let screen = current();
  if (!ctx.session && screen !== 'check-in') screen = 'sign-in';
  if (ctx.session && screen === 'sign-in' && !location.hash.includes('code=')) screen = 'record';
  nav.querySelectorAll('a').forEach((a) => {
    if (a.dataset.screen === screen) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  main.replaceChildren();
  try {
    if (screen === 'sign-in') await signInScreen(ctx, location.hash);
    else if (screen === 'check-in') await checkInScreen(ctx, location.hash);
    else await (SCREENS[screen] || recordScreen)(ctx);
  } catch (error) {
    fail(error);
  }
  main.focus({ preventScroll: true });
}

function fail(error) {
  if (error instanceof SignedOut) {
    ctx.session = null;
    chrome();
    go('sign-in', true);
    return;
  }
  const text = error instanceof Offline ? ctx.t('offline') :
    error instanceof Refused ? detailText(error.detail) : String(error);
  message(main, text, 'error');
}

function showWaiting(slips) {
  const box = document.getElementById('waiting');
  box.hidden = slips.length === 0;
  box.textContent = slips.length ? ctx.t('waiting', { n: slips.length }) : '';
  box.dataset.count = String(slips.length);
  for (const { slip, error } of takeRefusals()) message(main, `${slip.label}: ${detailText(error.detail)}`, 'error');
}

async function start() {
  chrome();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {});
  window.addEventListener('popstate', show);
  window.addEventListener('online', () => sync());
  document.addEventListener('visibilitychange', () => { if (!document.hidden) sync(); });
  setInterval(() => { if (navigator.onLine) sync(); }, 15000);
  onChange(showWaiting);
  if (ctx.session) {
    loadChapter().then(show, fail);
    sync();
  } else {
    await show();
  }
}

export { exchange };
start();
