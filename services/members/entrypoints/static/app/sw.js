// The app shell works offline: pages fall back to the cached shell when the network is away, the app's
// files are served from the cache and refreshed in the background. API calls are never cached (slips wait
// in the outbox, IndexedDB, not here).

const CACHE = 'refnet-app-v2';
const SHELL = ['/app/', '/app/app.css', '/app/app.js', '/app/api.js', '/app/i18n.js', '/app/outbox.js', '/app/ui.js',
  '/app/record.js', '/app/screens.js', '/app/asks.js', '/app/i18n-asks.js', '/app/manifest.webmanifest', '/app/icon.svg', '/app/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/app')) return;
  if (event.request.mode === 'navigate') {
    event.respondWith(fetch(event.request).catch(() => caches.match('/app/')));
    return;
  }
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const cached = await cache.match(event.request);
    const fresh = fetch(event.request).then((answer) => {
      if (answer.ok) cache.put(event.request, answer.clone());
      return answer;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => undefined));
      return cached;
    }
    return fresh;
  }));
});
