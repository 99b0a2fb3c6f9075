// Calls to the members service (same origin) and the referrals service (another port of the same site),
// authenticated by the session cookies set at sign-in (HttpOnly: this script never sees the tokens). Writes
// repeat the refnet_csrf cookie in X-CSRF-Token. An expired access token is renewed once, one renewal at a
// time (two at once would spend the refresh token twice and end the session).

const REFERRALS = (document.querySelector('meta[name="refnet-referrals"]') || {}).content || '';
const SESSION = 'refnet.session';

export class Offline extends Error {}
export class SignedOut extends Error {}
export class Refused extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

export function session() {
  try { return JSON.parse(localStorage.getItem(SESSION) || 'null'); } catch { return null; }
}

export function keepSession(value) {
  if (value) localStorage.setItem(SESSION, JSON.stringify(value));
  else localStorage.removeItem(SESSION);
}

function csrf() {
  const found = document.cookie.split('; ').find((c) => c.startsWith('refnet_csrf='));
  return found ? decodeURIComponent(found.slice('refnet_csrf='.length)) : '';
}

let renewing = null;

async function renew() {
  if (!renewing) {
    renewing = fetch('/sign-in/refresh', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() }, body: '{}',
    }).then((r) => r.ok).catch(() => { throw new Offline('offline'); })
      .finally(() => { renewing = null; });
  }
  return renewing;
}

async function call(url, init, cross) {
  let answer;
  try {
    answer = await fetch(url, init);
  } catch {
    throw new Offline('offline');
  }
  if (answer.status === 401 && !init.renewed) {
    if (await renew()) return call(url, { ...init, renewed: true, headers: { ...init.headers, 'X-CSRF-Token': csrf() } }, cross);
    keepSession(null);
    throw new SignedOut('signed out');
  }
  if (answer.status === 401) { keepSession(null); throw new SignedOut('signed out'); }
  const text = await answer.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!answer.ok) throw new Refused(answer.status, body && body.detail !== undefined ? body.detail : body);
  return body;
}

export function get(path) {
  return call(path, { method: 'GET', credentials: 'same-origin', headers: { Accept: 'application/json' } });
}

export function send(method, path, body, key) {
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() };
  if (key) headers['Idempotency-Key'] = key;
  return call(path, { method, credentials: 'same-origin', headers, body: JSON.stringify(body || {}) });
}

export function report(path) {
  if (!REFERRALS) return Promise.reject(new Offline('no referrals service'));
  return call(REFERRALS + path, { method: 'GET', credentials: 'include', headers: { Accept: 'application/json' } }, true);
}

export async function requestLink(email) {
  return call('/sign-in', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email }), renewed: true });
}

export async function exchange(code, device) {
  const answer = await call('/sign-in/exchange', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, device, cookies: true }), renewed: true,
  });
  const kept = { member_id: answer.member_id, chapter_id: answer.chapter_id, role: answer.role };
  keepSession(kept);
  return kept;
}

export async function signOut() {
  try {
    await call('/me/sessions', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf() } });
  } finally {
    keepSession(null);
  }
}
