/**
 * The fleet's plug-in seam: engines on the bus, with their own tables, routes and metrics, content
 * pushed to devices, and faults kept inside the engine that made them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import type { FleetEngine } from '../../fleet/engines/engine.js';
import { lazy } from '../../fleet/engines/index.js';
import { streamsEngine } from '../../fleet/engines/streams/index.js';
import { Content, decode, topic } from '../../protocols/index.js';
import { api, deviceClient, startFleet, storedSeqs, waitFor } from '../helpers.js';

const batch = (low: number, seqs: number[]) =>
  JSON.stringify({ v: 1, epoch: 1, outbox: 'card1', low, records: seqs.map((seq) => ({ seq, ts: 1_764_000_000_000 + seq, data: { seq } })) });

test('the streams engine: last seen per stream under /api/devices/:id/streams, from committed telemetry only', async () => {
  const fleet = await startFleet();
  let client: MqttClient | null = null;
  let running = true;
  try {
    const { secret } = fleet.registry.provision({ id: 'bus-40', role: 'bus' });
    client = await deviceClient(fleet, 'bus-40', secret);
    const t = (s: string) => topic.telemetry('bus-40', s);
    await client.publishAsync(t('gps'), batch(1, [1, 2, 3]), { qos: 1 });
    await client.publishAsync(t('apc'), batch(1, [1]), { qos: 1 });
    await client.publishAsync(t('gps'), batch(1, [2, 3]), { qos: 1 }); // a resend: duplicates, not new records
    await waitFor('stored', () => storedSeqs(fleet, 'bus-40', 'gps').length === 3 && storedSeqs(fleet, 'bus-40', 'apc').length === 1);
    await waitFor('engine saw both', async () => (await api(fleet, 'GET', '/api/devices/bus-40/streams')).body.length === 2);
    const streams = (await api(fleet, 'GET', '/api/devices/bus-40/streams')).body;
    assert.equal(
      streams.map((s: { stream: string; lastSeq: number; lastTs: string; records: number }) => [s.stream, s.lastSeq, s.lastTs, s.records]),
      [
        ['apc', 1, new Date(1_764_000_000_001).toISOString(), 1],
        ['gps', 3, new Date(1_764_000_000_003).toISOString(), 3],
      ],
    );
    assert.is((await api(fleet, 'GET', '/api/devices/nobody/streams')).status, 404);
    assert.is((await api(fleet, 'GET', '/api/devices/bus-40/streams', undefined, 'wrong')).status, 401, "an engine's /api route needs the token");
    assert.equal(fleet.health().engines, ['streams', 'logs', 'eta', 'gtfs-rt', 'gtfs', 'displays', 'occupancy', 'kiosk', 'alerts', 'bikes', 'dashboard']);
    await client.endAsync(true);
    await fleet.stop();
    running = false;
    // Its table is the view across restarts.
    const again = await startFleet({ dataDir: fleet.options.dataDir });
    try {
      assert.equal((await api(again, 'GET', '/api/devices/bus-40/streams')).body, streams);
    } finally {
      await again.stop();
    }
  } finally {
    await client?.endAsync(true);
    if (running) await fleet.stop();
  }
});

test('an engine that throws on every event, and one that fails to start, disturb neither ingest nor the other engines', async () => {
  let seen = 0;
  const throwing: FleetEngine = {
    name: 'faulty',
    start(ctx) {
      ctx.on('telemetry-committed', () => {
        seen++;
        throw new Error('faulty engine');
      });
      ctx.on('device-birth', async () => {
        throw new Error('faulty async engine');
      });
    },
  };
  const broken: FleetEngine = {
    name: 'broken',
    start() {
      throw new Error('cannot start');
    },
  };
  const fleet = await startFleet({ engines: [throwing, broken, streamsEngine()] });
  let client: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'bus-41', role: 'bus' });
    client = await deviceClient(fleet, 'bus-41', secret);
    const acks: number[] = [];
    client.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).streams.gps));
    await client.subscribeAsync(topic.ack('bus-41'), { qos: 0 });
    for (let i = 1; i <= 20; i++) await client.publishAsync(topic.telemetry('bus-41', 'gps'), batch(i, [i]), { qos: 1 });
    await waitFor('all acked', () => acks.includes(20));
    assert.equal(storedSeqs(fleet, 'bus-41', 'gps').length, 20);
    await waitFor('the other engine still saw everything', async () => (await api(fleet, 'GET', '/api/devices/bus-41/streams')).body[0]?.lastSeq === 20);
    assert.ok(seen >= 1, 'the faulty engine was called');
    assert.is(fleet.metrics.get('tabla_engine_errors_total', { engine: 'faulty' }), seen, 'each fault counted under its name');
    assert.is(fleet.metrics.get('tabla_engine_start_failures_total', { engine: 'broken' }), 1);
    assert.equal(fleet.health().engines, ['faulty', 'streams'], 'the broken one left out');
    assert.is(fleet.metrics.get('tabla_ingest_errors_total'), 0);
    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
  } finally {
    await client?.endAsync(true);
    await fleet.stop();
  }
});

test('an engine pushes typed content to a device, checked against its kind; a lazy engine loads when it starts', async () => {
  const hooks: { push?: (id: string) => boolean; pushBad?: (id: string) => boolean } = {};
  const boards = lazy('boards', async () => ({
    default: (): FleetEngine => ({
      name: 'boards',
      start(ctx) {
        hooks.push = (id) =>
          ctx.publishContent(id, 'arrival-board', {
            stop: 'Velenje, Center',
            generatedAt: '2026-11-27T14:00:00+01:00',
            departures: [{ line: 'rumena', destination: 'Stara vas', departsAt: '2026-11-27T14:05:00+01:00', realtime: true }],
          });
        // @ts-expect-error a body that is not an arrival board is a type error…
        hooks.pushBad = (id) => ctx.publishContent(id, 'arrival-board', { stop: 'x' });
      },
    }),
  }));
  const fleet = await startFleet({ engines: [boards] });
  let client: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'stop-42', role: 'stop-display' });
    client = await deviceClient(fleet, 'stop-42', secret);
    const got: unknown[] = [];
    client.on('message', (_t, p) => got.push(p.toString()));
    await client.subscribeAsync(topic.content('stop-42'), { qos: 1 });
    assert.ok(hooks.push, 'the lazy engine started');
    assert.is(hooks.push('stop-42'), true);
    await waitFor('content arrived', () => got.length === 1);
    const c = decode(Content, got[0] as string);
    assert.ok(c.ok && c.value.kind === 'arrival-board');
    assert.is(hooks.pushBad!('stop-42'), false, '…and refused at run time, counted, never sent');
    assert.is(fleet.metrics.get('tabla_publish_errors_total', { kind: 'content' }), 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.is(got.length, 1);
  } finally {
    await client?.endAsync(true);
    await fleet.stop();
  }
});

test('engine migrations run once each, in order, and survive a restart', async () => {
  const seen: string[][] = [];
  const engine = (migrations: string[]): FleetEngine => ({
    name: 'counting',
    start(ctx) {
      const db = ctx.migrate(migrations);
      seen.push((db.prepare("SELECT name FROM pragma_table_info('counting_rows')").all() as { name: string }[]).map((r) => r.name));
    },
  });
  const first = await startFleet({ engines: [engine(['CREATE TABLE counting_rows (a INTEGER)'])] });
  const dataDir = first.options.dataDir;
  await first.stop();
  const second = await startFleet({ dataDir, engines: [engine(['CREATE TABLE counting_rows (a INTEGER)', 'ALTER TABLE counting_rows ADD COLUMN b TEXT'])] });
  await second.stop();
  assert.equal(seen, [['a'], ['a', 'b']]);
});

test.run();
