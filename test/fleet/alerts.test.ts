/**
 * The alert rules apart from the fleet: which rules hold for a device (table of cases), what that
 * means against the open ones, the configuration (defaults, file, env, refusals) and the webhook
 * sender on a loopback HTTP server (delivered in order, retried with backoff, bounded, never
 * blocking, harmless when the server is down).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { State } from '../../protocols/index.js';
import {
  AlertsConfig,
  WebhookSender,
  deviceConditions,
  loadAlertsConfig,
  moduleSignals,
  parseAlertsConfig,
  reconcile,
  webhookBody,
  type Alert,
  type DeviceView,
  type RuleId,
} from '../../fleet/engines/alerts/index.js';
import { quiet, tmpDir, waitFor } from '../helpers.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');
const START = NOW - 3_600_000;
const rules = AlertsConfig.parse({ rules: { 'device-offline': { afterS: 300 }, 'outbox-backlog': { depth: 100 } } }).rules;

const state = (extra: Partial<State> = {}): State => ({ v: 1, epoch: 1, ts: NOW, status: 'online', ...extra });
const view = (v: Partial<DeviceView>): DeviceView => ({ id: 'd1', presence: 'online', lastSeen: NOW, downSince: null, state: state(), ...v });
const holds = (v: Partial<DeviceView>, open: [RuleId, string][] = []) => deviceConditions(view(v), rules, NOW, new Map(open)).map((c) => `${c.rule}: ${c.detail}`);

test('device-offline holds once a device has been down past afterS (offline, stale, or unknown since the fleet started)', () => {
  assert.equal(holds({ presence: 'offline', downSince: NOW - 300_000, lastSeen: NOW - 360_000 }), [], 'exactly afterS is not yet past it');
  assert.equal(holds({ presence: 'offline', downSince: NOW - 301_000, lastSeen: NOW - 360_000 }), ['device-offline: offline since 2026-11-28T09:54:59Z, last heard 2026-11-28T09:54:00Z']);
  assert.equal(holds({ presence: 'stale', downSince: NOW - 600_000, lastSeen: NOW - 700_000 }), ['device-offline: stale since 2026-11-28T09:50:00Z, last heard 2026-11-28T09:48:20Z']);
  assert.equal(holds({ presence: 'unknown', downSince: START, lastSeen: NOW - 86_400_000 }), ['device-offline: not heard since the fleet started (last heard 2026-11-27T10:00:00Z)']);
  assert.equal(holds({ presence: 'unknown', downSince: null, lastSeen: null }), [], 'provisioned, never seen: not installed yet');
  assert.equal(holds({ presence: 'online', downSince: null, lastSeen: NOW - 86_400_000 }), []);
});

test('heartbeat rules: backlog past depth, panel stale, loop faults, display fallback; kept as they were while not online', () => {
  assert.equal(holds({ state: state({ outbox: { depth: 100, oldestAgeS: 5, dropped: 0 } }) }), [], 'depth must be past the threshold');
  assert.equal(holds({ state: state({ outbox: { depth: 101, oldestAgeS: 42.4, dropped: 0 } }) }), ['outbox-backlog: outbox depth 101 > 100, oldest 42 s']);
  const modules: State['modules'] = {
    panel: { status: 'degraded', error: 'parking counts stale: no counts for 310 s' },
    counter: { status: 'degraded', error: 'lane 1 has no loops; lane 2 loop A stuck: occupied for 900 s; lane 3 loop B chatter: 40 edges/s' },
    departures: { status: 'ok', display: { refreshesLastHour: 12, partial: 40, full: 3, live: false } },
    other: { status: 'degraded', error: 'sign: no answer' },
  };
  assert.equal(holds({ state: state({ modules }) }), [
    'panel-stale: panel: parking counts stale: no counts for 310 s',
    'loop-fault: counter: lane 2 loop A stuck: occupied for 900 s; counter: lane 3 loop B chatter: 40 edges/s',
    'display-fallback: departures: showing its timetable (live data unavailable)',
  ]);
  assert.equal(moduleSignals(state({ modules })).refreshesLastHour, 12);
  assert.equal(moduleSignals(state({ modules: { departures: { status: 'ok', display: { refreshesLastHour: 3, partial: 1, full: 1, live: true } } } })).fallback, []);
  assert.equal(moduleSignals(null), { fallback: [], panelStale: [], loopFaults: [], refreshesLastHour: null });

  // Offline: the backlog open stays open (its last word stands), nothing new is read from a will.
  const offline = { presence: 'offline' as const, lastSeen: NOW - 10_000, downSince: NOW - 10_000, state: state({ outbox: { depth: 5000, oldestAgeS: 1, dropped: 0 } }) };
  assert.equal(holds(offline), []);
  assert.equal(holds(offline, [['outbox-backlog', 'outbox depth 900 > 100']]), ['outbox-backlog: outbox depth 900 > 100']);

  const off = AlertsConfig.parse({ rules: { 'loop-fault': { enabled: false } } }).rules;
  assert.equal(deviceConditions(view({ state: state({ modules }) }), off, NOW, new Map()).map((c) => c.rule), ['panel-stale', 'display-fallback']);
});

test('reconcile raises what newly holds and clears what no longer does', () => {
  const c = (rule: RuleId) => ({ deviceId: 'd1', rule, detail: rule });
  const out = reconcile(new Map<RuleId, string>([['device-offline', 'x'], ['panel-stale', 'y']]), [c('panel-stale'), c('loop-fault')]);
  assert.equal(out.raise.map((x) => x.rule), ['loop-fault']);
  assert.equal(out.clear, ['device-offline']);
  assert.equal(reconcile(new Map(), []), { raise: [], clear: [] });
});

test('configuration: defaults, the file, TABLA_ALERTS_WEBHOOK, and refusals that name the file and the path', () => {
  const d = parseAlertsConfig(undefined, 'defaults');
  assert.equal(d.rules['device-offline'], { enabled: true, afterS: 300 });
  assert.equal(d.rules['outbox-backlog'], { enabled: true, depth: 1000 });
  assert.is(d.webhook, undefined);
  assert.equal([d.tickS, d.recentHours, d.keepDays], [15, 24, 30]);

  const dir = tmpDir('tabla-alerts-');
  assert.is(loadAlertsConfig(dir, {}).source, 'defaults', 'no file: the defaults');
  fs.mkdirSync(path.join(dir, 'alerts'));
  const file = path.join(dir, 'alerts', 'alerts.json');
  fs.writeFileSync(file, JSON.stringify({ rules: { 'device-offline': { afterS: 120 } }, webhook: { url: 'http://127.0.0.1:9/hook', maxAttempts: 2 } }));
  const fromFile = loadAlertsConfig(dir, {});
  assert.is(fromFile.source, file);
  assert.is(fromFile.config.rules['device-offline'].afterS, 120);
  assert.equal(fromFile.config.webhook, { url: 'http://127.0.0.1:9/hook', maxAttempts: 2, timeoutMs: 5000, backoffMs: 1000, maxBackoffMs: 60_000, queue: 200 });
  const env = loadAlertsConfig(dir, { TABLA_ALERTS_WEBHOOK: 'https://hooks.example.org/x' });
  assert.equal([env.config.webhook?.url, env.config.webhook?.maxAttempts], ['https://hooks.example.org/x', 2], 'the env sets the URL, the file the rest');

  const other = path.join(dir, 'other.json');
  fs.writeFileSync(other, JSON.stringify({ rules: { 'device-offline': { afterS: 0 }, 'no-such-rule': {} } }));
  assert.throws(() => loadAlertsConfig(dir, { TABLA_ALERTS_FILE: other }), (err: Error) => err.message.includes(other) && /afterS/.test(err.message) && /no-such-rule/.test(err.message));
  fs.writeFileSync(other, '{ not json');
  assert.throws(() => loadAlertsConfig(dir, { TABLA_ALERTS_FILE: other }), /not JSON/);
  assert.throws(() => loadAlertsConfig(dir, { TABLA_ALERTS_FILE: path.join(dir, 'missing.json') }), /missing\.json/);
  assert.throws(() => parseAlertsConfig({ webhook: { url: 'ftp://x/y' } }, 'test'), /webhook\.url/);
});

/** A loopback webhook: answers with `statuses` in turn (then 200), records the bodies. */
async function hookServer(statuses: number[] = []) {
  const bodies: { event: string; alert: { rule: string; deviceId: string } }[] = [];
  let hits = 0;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const status = statuses[hits++] ?? 200;
      if (status === 200) bodies.push(JSON.parse(text));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret`;
  return { url, bodies, hits: () => hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const alert = (id: number, rule: RuleId = 'device-offline'): Alert => ({ id, deviceId: `d${id}`, rule, detail: 'x', raisedAt: NOW, clearedAt: null, clearedDetail: null });
const hookConfig = (url: string, extra = {}) => ({ url, timeoutMs: 1000, maxAttempts: 3, backoffMs: 20, maxBackoffMs: 100, queue: 10, ...extra });

test('the webhook gets each alert as JSON, in order; a 5xx is tried again with backoff', async () => {
  const hook = await hookServer([500, 503]);
  const outcomes: string[] = [];
  const sender = new WebhookSender(hookConfig(hook.url), quiet, (o) => outcomes.push(o));
  try {
    assert.is(sender.target, new URL(hook.url).origin, 'the target shown has no path or token');
    sender.send(webhookBody('raised', alert(1)));
    sender.send(webhookBody('cleared', { ...alert(1), clearedAt: NOW + 60_000, clearedDetail: 'no longer holds' }));
    await waitFor('both delivered and answered', () => hook.bodies.length === 2 && sender.stats().sent === 2);
    assert.equal(hook.bodies.map((b) => b.event), ['raised', 'cleared']);
    const first = hook.bodies[0] as unknown as ReturnType<typeof webhookBody>;
    assert.equal(first.alert, { id: 1, deviceId: 'd1', rule: 'device-offline', detail: 'x', raisedAt: '2026-11-28T10:00:00.000Z', clearedAt: null, clearedDetail: null });
    assert.is(first.text, 'Tabla alert device-offline on d1: x');
    assert.equal(outcomes, ['retried', 'retried', 'sent', 'sent']);
    assert.equal(sender.stats(), { queued: 0, sent: 2, failed: 0, dropped: 0, lastError: 'HTTP 503' });
  } finally {
    sender.stop();
    await hook.close();
  }
});

test('a webhook that is down: send never blocks, attempts are bounded, the queue is bounded, nothing throws', async () => {
  const hook = await hookServer();
  const url = hook.url;
  await hook.close(); // nothing listens there now
  const outcomes: string[] = [];
  const sender = new WebhookSender(hookConfig(url, { maxAttempts: 2, queue: 3 }), quiet, (o) => outcomes.push(o));
  try {
    const t0 = performance.now();
    for (let i = 1; i <= 5; i++) sender.send(webhookBody('raised', alert(i)));
    assert.ok(performance.now() - t0 < 50, 'send only queues');
    assert.ok(sender.stats().queued <= 3, 'bounded queue');
    assert.is(sender.stats().dropped, 2, 'the oldest waiting dropped');
    await waitFor('every alert given up', () => sender.stats().failed === 3, 5000);
    assert.is(sender.stats().queued, 0);
    assert.is(outcomes.filter((o) => o === 'retried').length, 3, 'one retry each, then given up');
    assert.match(sender.stats().lastError ?? '', /ECONNREFUSED/);
  } finally {
    sender.stop();
  }
  sender.send(webhookBody('raised', alert(9)));
  assert.is(sender.stats().queued, 0, 'a stopped sender queues nothing');
});

test('a webhook that never answers is cut off by its timeout', async () => {
  const server = http.createServer(() => {}); // holds every request
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sender = new WebhookSender(hookConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { timeoutMs: 100, maxAttempts: 1 }), quiet);
  try {
    sender.send(webhookBody('raised', alert(1)));
    await waitFor('timed out', () => sender.stats().failed === 1, 3000);
    assert.match(sender.stats().lastError ?? '', /no answer within 100 ms/);
  } finally {
    sender.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test.run();
