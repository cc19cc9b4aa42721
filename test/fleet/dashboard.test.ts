/**
 * The dashboard engine over HTTP on a real fleet (embedded broker on loopback): the page and its
 * files without a CDN, the login that turns the admin token into an HttpOnly SameSite=Strict
 * cookie, the API reached with the cookie only, the bus as Server-Sent Events, and the limits of a
 * cookie (read, identify and restart; nothing else), the charting library served from the
 * package, and the heartbeats kept for the device page's charts from a device's real heartbeats.
 * The session book and cookie parsing alone.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dashboardEngine } from '../../fleet/engines/dashboard/index.js';
import { SessionBook, commandRefusal, cookieValue, liveEvent, sseMessage } from '../../fleet/engines/dashboard/index.js';
import type { FleetService } from '../../fleet/service.js';
import { networkOf, thin } from '../../fleet/engines/dashboard/network.js';
import { lineFeed } from '../fixtures/eta-line.js';
import { State, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { SteppableClock, api, deviceClient, startFleet, waitFor } from '../helpers.js';

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

test('uPlot comes from the package: the page links its script and style sheet, served with their types, its licence, long caching and the same CSP', async () => {
  const fleet = await startFleet({ engines: [dashboardEngine()] });
  try {
    const html = await (await fetch(`${fleet.httpUrl}/dashboard`)).text();
    const js = /<script src="(\/dashboard\/assets\/uplot\.js\?v=[\w-]+)" defer><\/script>\s*<script src="\/dashboard\/app\.js"/.exec(html)?.[1];
    const css = /<link rel="stylesheet" href="(\/dashboard\/assets\/uplot\.css\?v=[\w-]+)">/.exec(html)?.[1];
    assert.ok(js && css, 'the page links both, uPlot before the app');
    const dist = (file: string) => fs.readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${file}`), 'utf8');
    for (const [url, type, file] of [[js!, /^text\/javascript; charset=utf-8$/, 'uPlot.iife.min.js'], [css!, /^text\/css; charset=utf-8$/, 'uPlot.min.css']] as const) {
      const res = await fetch(fleet.httpUrl + url);
      assert.is(res.status, 200, url);
      assert.match(res.headers.get('content-type')!, type);
      assert.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.is(res.headers.get('content-security-policy'), (await fetch(`${fleet.httpUrl}/dashboard`)).headers.get('content-security-policy'));
      const text = await res.text();
      assert.ok(text.endsWith(dist(file)), `${url} is the package's ${file}`);
      assert.match(text, /^\/\*! uPlot 1\.\d+\.\d+[^]*Copyright \(c\) \d{4} Leon Sorokin[^]*Permission is hereby granted/, 'its licence notice first');
    }
    const lib = await (await fetch(fleet.httpUrl + js!)).text();
    assert.is(typeof new Function(`${lib}; return uPlot;`)(), 'function', 'the script defines uPlot');
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/assets/uPlot.esm.js`)).status, 404, 'only the two files');
    assert.match((await fetch(`${fleet.httpUrl}/dashboard`)).headers.get('content-security-policy')!, /style-src 'self';/, 'no inline styles allowed for the charts');
  } finally {
    await fleet.stop();
  }
});

test('heartbeats: a device’s real heartbeats are kept one a minute, bounded in minutes and devices, read with the admin token or a dashboard login', async () => {
  const clock = new SteppableClock();
  const t0 = Math.ceil(Date.now() / 60_000) * 60_000 + 5_000; // 5 s into a minute: two beats well inside it
  clock.offsetMs = t0 - Date.now();
  const fleet = await startFleet({ clock, engines: [dashboardEngine({ heartbeats: { minutes: 3, maxDevices: 2 } })] });
  const clients: Awaited<ReturnType<typeof deviceClient>>[] = [];
  try {
    const connect = async (id: string) => {
      const c = await deviceClient(fleet, id, fleet.registry.provision({ id, role: 'stop-display', site: 'velenje' }).secret);
      clients.push(c);
      return c;
    };
    const beat = (c: (typeof clients)[number], id: string, extra: Partial<State>) =>
      c.publishAsync(topic.state(id), encode(State, { v: 1, epoch: 1, ts: clock.now(), status: 'online', ...extra }), { qos: 1, retain: true });
    const health = (cpuLoad1: number, used: number) => ({ cpuLoad1, memUsedBytes: used, memTotalBytes: 1000, uptimeS: 60, temperatureC: 21.5 });
    type Body = { deviceId: string; intervalS: number; windowS: number; samples: { ts: string; depth: number | null; oldestAgeS: number | null; cpu: number | null; mem: number | null; temperatureC: number | null }[] };
    const read = async (id: string) => (await api(fleet, 'GET', `/api/devices/${id}/heartbeats`)).body as Body;

    const d1 = await connect('disp-1');
    assert.equal(await read('disp-1'), { deviceId: 'disp-1', intervalS: 60, windowS: 180, samples: [] }, 'known, not heard yet');
    await beat(d1, 'disp-1', { health: health(0.5, 250), outbox: { depth: 3, oldestAgeS: 12.5, dropped: 0 } });
    await waitFor('the first beat kept', async () => (await read('disp-1')).samples.length === 1);
    clock.step(20_000);
    await beat(d1, 'disp-1', { health: health(0.25, 300), outbox: { depth: 7, oldestAgeS: 40, dropped: 0 } });
    await waitFor('the second beat of the minute in its place', async () => (await read('disp-1')).samples[0]?.depth === 7);
    const [kept20] = (await read('disp-1')).samples;
    assert.equal({ ...kept20, ts: null }, { ts: null, depth: 7, oldestAgeS: 40, cpu: 0.25, mem: 0.3, temperatureC: 21.5 }, 'the last of the minute');
    // At the fleet's time (whole seconds), which has run on by the time it took to get here since t0.
    const at = Date.parse(kept20!.ts);
    assert.ok(at >= t0 + 20_000 && at <= clock.now() && Math.floor(at / 60_000) === Math.floor(t0 / 60_000), kept20!.ts);

    // Four more minutes: three are kept. A last will (no health, no outbox) is no sample.
    for (let m = 1; m <= 4; m++) {
      clock.step(60_000);
      await beat(d1, 'disp-1', { health: health(m, 100 * m), outbox: { depth: m, oldestAgeS: null, dropped: 0 } });
      await waitFor(`minute ${m}`, async () => (await read('disp-1')).samples.at(-1)?.cpu === m);
    }
    await beat(d1, 'disp-1', { status: 'offline' });
    await waitFor('offline', () => fleet.presence.of('disp-1') === 'offline');
    const kept = (await read('disp-1')).samples;
    assert.equal(kept.map((x) => [x.depth, x.cpu, x.mem, x.oldestAgeS]), [[2, 2, 0.2, null], [3, 3, 0.3, null], [4, 4, 0.4, null]]);
    assert.equal(kept.map((x) => Math.floor(Date.parse(x.ts) / 60_000) - Math.floor(t0 / 60_000)), [2, 3, 4], 'the minutes 2, 3 and 4 after t0');

    // The dashboard reads it through its forwarder; the API wants the token; an unknown device is 404.
    const cookie = (await login(fleet, fleet.local.adminToken)).headers.get('set-cookie')!.split(';')[0]!;
    const viaPage = await fetch(`${fleet.httpUrl}/dashboard/api/devices/disp-1/heartbeats`, { headers: { cookie } });
    assert.is(viaPage.status, 200);
    assert.equal(((await viaPage.json()) as Body).samples, kept);
    assert.is((await fetch(`${fleet.httpUrl}/api/devices/disp-1/heartbeats`)).status, 401);
    assert.is((await api(fleet, 'GET', '/api/devices/disp-1/heartbeats', undefined, 'wrong')).status, 401);
    assert.is((await api(fleet, 'GET', '/api/devices/nobody/heartbeats')).status, 404);
    assert.is((await fetch(`${fleet.httpUrl}/dashboard/api/devices/nobody/heartbeats`, { headers: { cookie } })).status, 404);

    // Two devices at most: a third that beats pushes out the one longest without a new minute.
    const d2 = await connect('disp-2');
    const d3 = await connect('disp-3');
    clock.step(60_000);
    await beat(d2, 'disp-2', { health: health(0.1, 100) });
    await waitFor('disp-2 kept', async () => (await read('disp-2')).samples.length === 1);
    await beat(d3, 'disp-3', { outbox: { depth: 9, oldestAgeS: 1, dropped: 0 } });
    await waitFor('disp-3 kept', async () => (await read('disp-3')).samples.length === 1);
    assert.equal((await read('disp-3')).samples[0]!.cpu, null, 'what a beat does not say is null');
    assert.equal((await read('disp-1')).samples, [], 'disp-1 went first');
    assert.match(fleet.metrics.render(), /tabla_dashboard_heartbeat_devices 2\b/);
  } finally {
    for (const c of clients) await c.endAsync();
    await fleet.stop();
  }
});

test('heartbeats: written to the fleet’s database a minute at a time and read back by a restarted fleet; minutes past the window deleted', async () => {
  const clock = new SteppableClock();
  const t0 = Math.ceil(Date.now() / 60_000) * 60_000 + 5_000;
  clock.offsetMs = t0 - Date.now();
  const engine = () => dashboardEngine({ heartbeats: { minutes: 10 }, heartbeatFlushMs: 50 });
  const fleet = await startFleet({ clock, engines: [engine()] });
  let opened: MqttClient | null = null;
  let again: FleetService | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'disp-1', role: 'stop-display', site: 'velenje' });
    const c = (opened = await deviceClient(fleet, 'disp-1', secret));
    const rows = (f: FleetService) => (f.db.prepare('SELECT count(*) AS n FROM dashboard_heartbeat_minutes').get() as { n: number }).n;
    const read = async (f: FleetService) => (await api(f, 'GET', '/api/devices/disp-1/heartbeats')).body.samples as { ts: string; depth: number; cpu: number }[];
    for (let m = 0; m < 4; m++) {
      if (m) clock.step(60_000);
      const health = { cpuLoad1: m / 4, memUsedBytes: 1, memTotalBytes: 2, uptimeS: 1 };
      await c.publishAsync(topic.state('disp-1'), encode(State, { v: 1, epoch: 1, ts: clock.now(), status: 'online', health, outbox: { depth: m, oldestAgeS: 1, dropped: 0 } }), { qos: 1, retain: true });
      await waitFor(`minute ${m} kept`, async () => (await read(fleet)).length === m + 1);
    }
    await waitFor('the three minutes that are over written', () => rows(fleet) === 3);
    const before = await read(fleet);
    await c.endAsync();
    await fleet.stop();

    // The fleet comes back 2 minutes later: the charts have the hours before it, the minute that
    // was under way (written as the fleet stopped) included.
    clock.step(120_000);
    again = await startFleet({ clock, dataDir: fleet.options.dataDir, engines: [engine()] });
    assert.equal(await read(again), before);
    assert.equal(before.map((x) => [x.depth, x.cpu]), [[0, 0], [1, 0.25], [2, 0.5], [3, 0.75]]);
    await again.stop();

    // 7½ minutes on, the window (10 minutes) has the last one only, and the older rows are deleted on start.
    clock.step(7 * 60_000 + 30_000);
    again = await startFleet({ clock, dataDir: fleet.options.dataDir, engines: [engine()] });
    assert.equal((await read(again)).map((x) => x.depth), [3]);
    assert.is(rows(again), 1);
  } finally {
    await opened?.endAsync(true);
    await fleet.stop();
    await again?.stop();
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
    assert.match(setCookie, /^tabla_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
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
  const state = { v: 1 as const, epoch: 1, ts: 5, status: 'online' as const, outbox: { depth: 2, oldestAgeS: null, dropped: 0 } };
  const sample = { ts: '2026-11-30T07:00:00.000Z', depth: 2, oldestAgeS: null, cpu: null, mem: null, temperatureC: null };
  assert.equal((liveEvent('device-state', { deviceId: 'd', state }, sample).data as { heartbeat: unknown }).heartbeat, sample, 'a state carries the sample kept of it');
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
