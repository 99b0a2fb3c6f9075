// Slips wait here (IndexedDB) until the members service has them. Each keeps the Idempotency-Key it was
// made with, so sending it again after a dropped answer replays the first answer and records nothing twice.
// A slip leaves the outbox when the service answered: accepted (2xx) or refused (4xx, shown to the member);
// an unreachable service, a 5xx or a 429 leaves it waiting for the next sync.

import { send, session, Offline, Refused, SignedOut } from './api.js';

const DB = 'refnet';
const STORE = 'outbox';
const listeners = new Set();
let opened = null;

function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

async function run(mode, work) {
  const base = await db();
  return new Promise((resolve, reject) => {
    const tx = base.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// The signed-in member's waiting slips: a slip is only ever sent in the session of the member who recorded
// it (another member signing in on this phone does not send it as theirs).
export async function waiting() {
  const me = session()?.member_id;
  const all = (await run('readonly', (s) => s.getAll())) || [];
  return all.filter((slip) => slip.member === me).sort((a, b) => a.created - b.created);
}

async function notify() {
  const slips = await waiting();
  listeners.forEach((fn) => fn(slips));
}

export function onChange(fn) {
  listeners.add(fn);
  notify();
}

async function drop(key) {
  await run('readwrite', (s) => s.delete(key));
}

// Record a slip: kept first, then sent. Answers {sent: body} or {waiting: true}; a refusal is thrown
// (and the slip is not kept).
export async function record(path, body, label) {
  const slip = { key: newKey(), path, body, label, created: Date.now(), member: session()?.member_id };
  await run('readwrite', (s) => s.put(slip));
  await notify();
  if (!navigator.onLine) return { waiting: true };
  try {
    const answer = await deliver(slip);
    return { sent: answer };
  } catch (error) {
    if (error instanceof Offline || error instanceof SignedOut || (error instanceof Refused && retryable(error))) {
      return { waiting: true };
    }
    throw error;
  } finally {
    await notify();
  }
}

function retryable(error) {
  return error.status >= 500 || error.status === 429 || error.status === 408;
}

async function deliver(slip) {
  try {
    const answer = await send('POST', slip.path, slip.body, slip.key);
    await drop(slip.key);
    return answer;
  } catch (error) {
    if (error instanceof Refused && !retryable(error)) await drop(slip.key);
    throw error;
  }
}

let syncing = null;
const refusals = [];

export function takeRefusals() {
  return refusals.splice(0);
}

// Send everything waiting, oldest first; stops at the first slip the network does not take.
export function sync() {
  if (!syncing) {
    syncing = (async () => {
      let sent = 0;
      for (const slip of await waiting()) {
        try {
          await deliver(slip);
          sent += 1;
        } catch (error) {
          if (error instanceof Refused && !retryable(error)) { refusals.push({ slip, error }); continue; }
          break;
        }
      }
      await notify();
      return sent;
    })().finally(() => { syncing = null; });
  }
  return syncing;
}
