/**
 * The alerts engine on a real fleet (broker on loopback, SQLite): heartbeats past the outbox
 * threshold raise a backlog alert, module statuses raise panel-stale, loop-fault and
 * display-fallback, and clear when they stop; the gauges follow on /metrics; the routes answer;
 * a webhook that is down neither blocks nor crashes anything; a restarted fleet finds its open
 * alerts again instead of raising them twice.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Birth, State, encode, topic } from '../../protocols/index.js';
import { alertsEngine } from '../../fleet/engines/alerts/index.js';
import { api, deviceClient, startFleet, tmpDir, waitFor } from '../helpers.js';

const birth = (role: Birth['role']) => encode(Birth, { v: 1, epoch: 1, ts: Date.now(), role, versions: { agent: 'test' }, heartbeatS: 60, configVersion: 0 });
const heartbeat = (extra: Partial<State>) => encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'online', ...extra });

async function downUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
  await new Promise<void>((r) => s.close(() => r()));
  return url;
}

test('heartbeats raise and clear backlog, panel-stale, loop-fault and display-fallback; gauges follow; a down webhook harms nothing', async () => {
  const dataDir = tmpDir('tabla-alerts-fleet-');
  const config = { tickS: 0.1, rules: { 'outbox-backlog': { depth: 50 } }, webhook: { url: await downUrl(), backoffMs: 10, maxBackoffMs: 20, maxAttempts: 2, queue: 3 } };
  let fleet = await startFleet({ dataDir, engines: [alertsEngine({ config })] });
  try {
    const ids = { bus: 'bus-7', panel: 'park-glazija-1', counter: 'counter-glazija', display: 'stop-velenje-2' } as const;
    const roles = { bus: 'bus', panel: 'parking-panel', counter: 'car-park-counter', display: 'stop-display' } as const;
    const clients: Record<string, Awaited<ReturnType<typeof deviceClient>>> = {};
    for (const k of Object.keys(ids) as (keyof typeof ids)[]) {
      const id = ids[k];
      clients[k] = await deviceClient(fleet, id, fleet.registry.provision({ id, role: roles[k] }).secret);
      await clients[k]!.publishAsync(topic.birth(id), birth(roles[k]), { qos: 1 });
    }
    const beat = async (k: keyof typeof ids, extra: Partial<State>) => void (await clients[k]!.publishAsync(topic.state(ids[k]), heartbeat(extra), { qos: 1, retain: true }));
    const open = async () => ((await api(fleet, 'GET', '/api/alerts')).body as { open: { deviceId: string; rule: string; detail: string }[] }).open;

    const t0 = performance.now();
    await beat('bus', { outbox: { depth: 50, oldestAgeS: 3, dropped: 0 } });
    await beat('panel', { modules: { panel: { status: 'degraded', error: 'parking counts stale: no counts for 400 s' } } });
    await beat('counter', { modules: { counter: { status: 'degraded', error: 'lane 1 loop A stuck: occupied for 900 s' } } });
    await beat('display', { modules: { departures: { status: 'ok', display: { refreshesLastHour: 14, partial: 30, full: 2, live: false } } } });
    await waitFor('three alerts', async () => (await open()).length === 3);
    await beat('bus', { outbox: { depth: 51, oldestAgeS: 30, dropped: 0 } });
    await waitFor('backlog', async () => (await open()).length === 4);
    assert.ok(performance.now() - t0 < 5000, 'a webhook that is down holds nothing up');
    const list = await open();
    assert.equal(
      list.map((a) => [a.deviceId, a.rule, a.detail]).sort(),
      [
        ['bus-7', 'outbox-backlog', 'outbox depth 51 > 50, oldest 30 s'],
        ['counter-glazija', 'loop-fault', 'counter: lane 1 loop A stuck: occupied for 900 s'],
        ['park-glazija-1', 'panel-stale', 'panel: parking counts stale: no counts for 400 s'],
        ['stop-velenje-2', 'display-fallback', 'departures: showing its timetable (live data unavailable)'],
      ],
    );

    const metrics = await (await fetch(`${fleet.httpUrl}/metrics`)).text();
    for (const line of [
      'tabla_displays_fallback 1',
      'tabla_panels_stale 1',
      'tabla_loop_faults 1',
      'tabla_display_refreshes_per_hour{device="stop-velenje-2"} 14',
      'tabla_alerts_open{rule="outbox-backlog"} 1',
      'tabla_alerts_open{rule="device-offline"} 0',
    ]) {
      assert.ok(metrics.split('\n').includes(line), `${line} in /metrics`);
    }

    // The webhook is down: bounded retries, a bounded queue, the fleet still answers.
    await waitFor('webhook given up', () => fleet.metrics.get('tabla_alerts_webhook_total', { outcome: 'failed' }) + fleet.metrics.get('tabla_alerts_webhook_total', { outcome: 'dropped' }) === 4, 5000);
    const rules = (await api(fleet, 'GET', '/api/alerts/rules')).body as { webhook: { queued: number; failed: number; dropped: number; lastError: string }; rules: { id: string; depth?: number }[] };
    assert.is(rules.webhook.queued, 0);
    assert.match(rules.webhook.lastError, /ECONNREFUSED/);
    assert.is(rules.rules.find((r) => r.id === 'outbox-backlog')!.depth, 50);
    assert.is(fleet.metrics.total('tabla_engine_errors_total'), 0);

    // Things mend: each alert clears.
    await beat('bus', { outbox: { depth: 0, oldestAgeS: null, dropped: 0 } });
    await beat('panel', { modules: { panel: { status: 'ok' } } });
    await beat('counter', { modules: { counter: { status: 'degraded', error: 'lane 2 has no loops' } } });
    await beat('display', { modules: { departures: { status: 'ok', display: { refreshesLastHour: 15, partial: 31, full: 2, live: true } } } });
    await waitFor('all cleared', async () => (await open()).length === 0);
    const after = (await api(fleet, 'GET', '/api/alerts')).body as { recent: { rule: string; raisedAt: string; clearedAt: string }[] };
    assert.equal(after.recent.map((a) => a.rule).sort(), ['display-fallback', 'loop-fault', 'outbox-backlog', 'panel-stale']);
    assert.ok(after.recent.every((a) => Date.parse(a.clearedAt) >= Date.parse(a.raisedAt)));
    const m2 = await (await fetch(`${fleet.httpUrl}/metrics`)).text();
    assert.match(m2, /^tabla_displays_fallback 0$/m);
    assert.match(m2, /^tabla_loop_faults 0$/m);

    // Open again, then a restart: the open alert is found, not raised twice.
    await beat('panel', { modules: { panel: { status: 'degraded', error: 'parking counts stale: link down' } } });
    await waitFor('panel stale again', async () => (await open()).length === 1);
    for (const c of Object.values(clients)) await c.endAsync();
    await fleet.stop();
    fleet = await startFleet({ dataDir, engines: [alertsEngine({ config: { ...config, webhook: undefined } })] });
    await new Promise((r) => setTimeout(r, 300)); // a few ticks
    const reopened = await open();
    assert.equal(reopened.map((a) => [a.deviceId, a.rule]), [['park-glazija-1', 'panel-stale']], 'kept while the panel is not heard (its last word stands)');
    assert.is(fleet.metrics.get('tabla_alerts_raised_total', { rule: 'panel-stale' }), 0, 'not raised again');
  } finally {
    await fleet.stop();
  }
});

test('an alerts file that does not fit the schema: the engine is left out, the fleet runs on', async () => {
  const dataDir = tmpDir('tabla-alerts-bad-');
  const fleet = await startFleet({ dataDir, engines: [alertsEngine({ env: { TABLA_ALERTS_FILE: `${dataDir}/nope.json` } })] });
  try {
    assert.is(fleet.metrics.get('tabla_engine_start_failures_total', { engine: 'alerts' }), 1);
    assert.is((await api(fleet, 'GET', '/api/alerts')).status, 404);
    assert.is((await fetch(`${fleet.httpUrl}/healthz`)).status, 200);
  } finally {
    await fleet.stop();
  }
});

test.run();
