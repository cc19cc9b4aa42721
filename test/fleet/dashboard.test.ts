/**
 * The dashboard engine over HTTP on a real fleet (embedded broker on loopback): the page and its
 * files without a CDN, the login that turns the admin token into an HttpOnly SameSite=Strict
 * cookie, the API reached with the cookie only, the bus as Server-Sent Events, and the limits of a
 * cookie (read, identify and restart; nothing else). The session book and cookie parsing alone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dashboardEngine } from '../../fleet/engines/dashboard/index.js';
import { SessionBook, commandRefusal, cookieValue, liveEvent, sseMessage } from '../../fleet/engines/dashboard/index.js';
import type { FleetService } from '../../fleet/service.js';
import { networkOf, thin } from '../../fleet/engines/dashboard/network.js';
import { lineFeed } from '../fixtures/eta-line.js';
import { startFleet, waitFor } from '../helpers.js';

async function login(fleet: FleetService, token: string) {
  return fetch(`${fleet.httpUrl}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}

test('the page and its files are served from the package, with a CSP that allows only its own origin', async () => {
  const fleet = await startFleet({ engines: [dashboardEngine()] });
  try {
    const page = await fetch(`${fleet.httpUrl}/dashboard`);
    assert.is(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    const html = await page.text();
    assert.match(html, /<form id="login-form"/);
    assert.not.match(html, /https?:\/\//, 'nothing from another host');
    const js = await (await fetch(`${fleet.httpUrl}/dashboard/app.js`)).text();
    assert.not.match(js, /https?:\/\//);
    new Function(js); // it parses
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/app.css`)).status, 200);
  } finally {
    await fleet.stop();
  }
});

test('login: a wrong token is refused; the right one gives an HttpOnly SameSite=Strict cookie that reads the API and nothing in a URL', async () => {
  const fleet = await startFleet({ engines: [dashboardEngine()] });
  try {
    fleet.registry.provision({ id: 'disp-1', role: 'stop-display', site: 'velenje' });
    const bad = await login(fleet, 'not-the-token');
    assert.is(bad.status, 401);
    assert.is(bad.headers.get('set-cookie'), null);
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/api/devices`)).status, 401, 'no cookie, no data');
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/session`)).status, 401);

    const ok = await login(fleet, fleet.local.adminToken);
    assert.is(ok.status, 200);
    const setCookie = ok.headers.get('set-cookie')!;
    assert.match(setCookie, /^tabla_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    assert.not.ok(setCookie.includes(fleet.local.adminToken));
    const cookie = setCookie.split(';')[0]!;
    const devices = await fetch(`${fleet.httpUrl}/dashboard/api/devices`, { headers: { cookie } });
    assert.is(devices.status, 200);
    assert.equal(((await devices.json()) as { id: string }[]).map((d) => d.id), ['disp-1']);
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/api/devices/nobody`, { headers: { cookie } })).status, 404, 'the API’s own answers pass through');
    assert.is((await fetch(`${fleet.httpUrl}/api/devices`, { headers: { cookie } })).status, 401, '/api itself still wants the bearer token');

    // A cookie sends identify and restart only, as JSON.
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${fleet.httpUrl}/dashboard/api/devices/disp-1/commands`, { method: 'POST', headers: { cookie, 'content-type': type }, body: JSON.stringify(body) });
    const identify = await post({ verb: 'identify' });
    assert.is(identify.status, 202);
    assert.is(((await identify.json()) as { verb: string }).verb, 'identify');
    assert.is((await post({ verb: 'set-log-level', args: { level: 'debug' } })).status, 403);
    assert.is((await post({ verb: 'identify' }, 'text/plain')).status, 415);
    const config = await fetch(`${fleet.httpUrl}/dashboard/api/devices/disp-1/config`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.is(config.status, 403);

    const out = await fetch(`${fleet.httpUrl}/dashboard/logout`, { method: 'POST', headers: { cookie } });
    assert.match(out.headers.get('set-cookie')!, /Max-Age=0/);
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/api/devices`, { headers: { cookie } })).status, 401, 'logged out');
    assert.is(fleet.metrics.get('tabla_dashboard_logins_total', { outcome: 'refused' }), 1);
    assert.is(fleet.metrics.get('tabla_dashboard_logins_total', { outcome: 'ok' }), 1);
  } finally {
    await fleet.stop();
  }
});

test('events: the bus reaches a logged-in page as Server-Sent Events; without a cookie there is no stream', async () => {
  const fleet = await startFleet({ engines: [dashboardEngine()] });
  const abort = new AbortController();
  try {
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/events`)).status, 401);
    const cookie = (await login(fleet, fleet.local.adminToken)).headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${fleet.httpUrl}/dashboard/events`, { headers: { cookie }, signal: abort.signal });
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    let text = '';
    const reader = res.body!.getReader();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => {});
    await waitFor('the stream open', () => text.startsWith('retry: 2000'));
    fleet.bus.emit('presence-changed', { deviceId: 'disp-1', presence: 'online', previous: 'unknown' });
    fleet.bus.emit('frame-received', { deviceId: 'disp-1', frame: { v: 1, ts: 1000, kind: 'board', summary: 'Velenje – Šalek 3 min', hash: 'abc' } });
    await waitFor('two events', () => text.includes('event: frame'));
    assert.ok(text.includes('event: presence\ndata: {"deviceId":"disp-1","presence":"online","previous":"unknown"}\n\n'));
    assert.ok(text.includes('"summary":"Velenje – Šalek 3 min"'));
    abort.abort();
    await reading;
    await waitFor('the page gone', () => fleet.metrics.render().includes('tabla_dashboard_pages 0'));
  } finally {
    abort.abort();
    await fleet.stop();
  }
});

test('the fleet’s default engines start the dashboard (imported only then) with the others', async () => {
  const fleet = await startFleet();
  try {
    assert.ok(fleet.engines.running.includes('dashboard'), fleet.engines.running.join(', '));
    assert.is((await fetch(`${fleet.httpUrl}/dashboard`)).status, 200);
    const cookie = (await login(fleet, fleet.local.adminToken)).headers.get('set-cookie')!.split(';')[0]!;
    const network = await fetch(`${fleet.httpUrl}/dashboard/network`, { headers: { cookie } });
    assert.equal(await network.json(), { sites: [] }, 'no feed loaded: no lines');
  } finally {
    await fleet.stop();
  }
});

test('sessions expire; cookies are read by name; a frame goes out without its picture', () => {
  let now = 0;
  const book = new SessionBook(() => now, 1000);
  const s = book.open('tok');
  assert.is(book.of(`a=b; tabla_session=${s.id}`)?.token, 'tok');
  assert.is(book.of('tabla_session=other'), null);
  now = 1000;
  assert.is(book.of(`tabla_session=${s.id}`), null, 'expired');
  assert.is(cookieValue('x=1;  y = 2 ', 'y'), '2');
  assert.is(cookieValue(undefined, 'y'), null);
  assert.is(commandRefusal('/api/devices/a/commands', { verb: 'restart' }), null);
  assert.match(commandRefusal('/api/devices/a/commands', { verb: 'ping' })!, /only identify and restart/);
  assert.match(commandRefusal('/api/messages', { verb: 'identify' })!, /posts only commands/);
  const e = liveEvent('frame-received', { deviceId: 'd', frame: { v: 1, ts: 5, kind: 'board', summary: 's', image: { width: 8, height: 1, data: 'AA==' } as never } });
  assert.equal(e, { type: 'frame', data: { deviceId: 'd', ts: 5, kind: 'board', summary: 's', hash: null, picture: true } });
  assert.is(sseMessage({ type: 'presence', data: { a: 1 } }), 'event: presence\ndata: {"a":1}\n\n');
});

test('the network for the map: the feed’s lines and positioned stops, long lines thinned to their bound', () => {
  const { feed } = lineFeed();
  const net = networkOf('town', feed);
  assert.is(net.site, 'town');
  assert.ok(net.lines.length >= 1, 'a line');
  for (const l of net.lines) {
    assert.ok(l.points.length >= 2 && l.points.length <= 400);
    assert.match(l.color, /^#[0-9A-Fa-f]{6}$/);
    for (const [lat, lon] of l.points) assert.ok(Number.isFinite(lat) && Number.isFinite(lon));
  }
  const used = new Set([...feed.trips.values()].flatMap((t) => t.stopTimes.map((s) => s.stopId)));
  assert.equal(net.stops.map((s) => s.id).sort(), [...used].filter((id) => feed.stops.get(id)?.lat !== undefined).sort());
  const many = Array.from({ length: 1001 }, (_, i) => i);
  const few = thin(many, 11);
  assert.equal(few, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.equal(thin([1, 2, 3], 11), [1, 2, 3]);
});

test.run();
