/**
 * The dashboard's heartbeat history alone (pure, no fleet): the last sample of each minute, the
 * window, the ring that grows as it fills and wraps when full, the bound on devices, and what a
 * state without a heartbeat, or a fleet clock stepped back, does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HeartbeatHistory, heartbeatValues } from '../../fleet/engines/dashboard/heartbeats.js';
import { HEARTBEATS_MIGRATION, HeartbeatStore } from '../../fleet/engines/dashboard/heartbeat-store.js';
import { quiet, tmpDir } from '../helpers.js';
import type { State } from '../../protocols/index.js';

const T0 = Date.parse('2026-11-30T07:00:00Z');
const MIN = 60_000;
const beat = (depth: number, extra: Partial<State> = {}): State => ({ v: 1, epoch: 1, ts: 0, status: 'online', outbox: { depth, oldestAgeS: depth / 2, dropped: 0 }, ...extra });

test('one sample a minute, the last of it, at the fleet’s time; values rounded and null where not said', () => {
  const h = new HeartbeatHistory({ minutes: 10 });
  assert.equal(h.samples('a', T0), []);
  assert.is(h.record('a', beat(1), T0 + 1_000)!.depth, 1);
  const second = h.record('a', beat(2, { health: { cpuLoad1: 0.123456, memUsedBytes: 1, memTotalBytes: 3, uptimeS: 1 } }), T0 + 59_999);
  assert.equal(second, { ts: '2026-11-30T07:00:59.000Z', depth: 2, oldestAgeS: 1, cpu: 0.123, mem: 0.3333, temperatureC: null });
  h.record('a', beat(3), T0 + MIN);
  assert.equal(h.samples('a', T0 + MIN).map((s) => s.depth), [2, 3]);
  assert.is(h.record('a', { v: 1, epoch: 1, ts: 0, status: 'offline' }, T0 + 2 * MIN), null, 'a last will is no heartbeat');
  assert.is(h.samples('a', T0 + 2 * MIN).length, 2);
  assert.is(heartbeatValues({ v: 1, epoch: 1, ts: 0, status: 'online', health: { cpuLoad1: 1, memUsedBytes: 5, memTotalBytes: 0, uptimeS: 1 } })!.mem, null, 'no total, no fraction');
});

test('the ring grows as it fills, then wraps: the last `minutes` minutes, oldest first; older ones fall out of the window', () => {
  const h = new HeartbeatHistory({ minutes: 40 });
  for (let m = 0; m < 100; m++) h.record('a', beat(m), T0 + m * MIN + 30_000);
  const now = T0 + 99 * MIN + 30_000;
  assert.equal(h.samples('a', now).map((s) => s.depth), Array.from({ length: 40 }, (_, i) => 60 + i));
  // A silent device: its samples age out of the window though the ring still holds them.
  assert.equal(h.samples('a', now + 30 * MIN).map((s) => s.depth), Array.from({ length: 10 }, (_, i) => 90 + i));
  assert.equal(h.samples('a', now + 40 * MIN), []);
  // Gaps are no samples: a beat after an hour's silence follows the old ones.
  h.record('a', beat(500), now + 20 * MIN);
  assert.equal(h.samples('a', now + 20 * MIN).map((s) => s.depth).slice(-3), [98, 99, 500]);
});

test('at most `maxDevices`: the device longest without a new minute goes; a fleet clock stepped back starts a device again', () => {
  const h = new HeartbeatHistory({ minutes: 5, maxDevices: 2 });
  h.record('a', beat(1), T0);
  h.record('b', beat(1), T0);
  h.record('a', beat(2), T0 + MIN); // a has the newer minute now
  h.record('c', beat(1), T0 + MIN);
  assert.is(h.devices, 2);
  assert.equal(h.samples('b', T0 + MIN), [], 'b went');
  assert.equal(h.samples('a', T0 + MIN).map((s) => s.depth), [1, 2]);
  for (let i = 0; i < 1000; i++) h.record(`x${i}`, beat(i), T0 + 2 * MIN);
  assert.is(h.devices, 2, 'a thousand devices later, still two');
  h.record('x999', beat(7), T0 - 10 * MIN);
  assert.equal(h.samples('x999', T0 - 10 * MIN).map((s) => s.depth), [7], 'its old samples, now in the future, dropped');
  h.forget('x999');
  h.clear();
  assert.is(h.devices, 0);
});

test('the store: a minute written once it is over, merged when the fleet comes back within it; a bad row skipped, a failed write counted', () => {
  const db = new Database(path.join(tmpDir(), 'fleet.db'));
  db.exec(HEARTBEATS_MIGRATION);
  const h = new HeartbeatHistory({ minutes: 10 });
  const store = new HeartbeatStore(db, quiet);
  const minutes = () => db.prepare('SELECT minute FROM dashboard_heartbeat_minutes ORDER BY minute').pluck().all() as number[];
  const m0 = T0 / MIN;
  store.keep('a', h.record('a', beat(1), T0 + 1_000)!);
  store.keep('b', h.record('b', beat(2), T0 + 2_000)!);
  assert.is(store.flush(T0 + 30_000), 0, 'the minute is not over');
  store.keep('a', h.record('a', beat(3), T0 + MIN + 1_000)!);
  assert.is(store.flush(T0 + MIN + 5_000), 1);
  assert.equal(minutes(), [m0]);
  // The fleet stops within minute 1 (written as it is), and starts again within it: a's sample is
  // the new one, b's from before the restart is kept.
  assert.is(store.flush(T0 + MIN + 10_000, true), 1);
  const again = new HeartbeatStore(db, quiet);
  const h2 = new HeartbeatHistory({ minutes: 10 });
  assert.is(again.load(h2, T0 + MIN + 20_000), 3);
  again.keep('b', h2.record('b', beat(4), T0 + MIN + 30_000)!);
  again.flush(T0 + 2 * MIN, true);
  const h3 = new HeartbeatHistory({ minutes: 10 });
  new HeartbeatStore(db, quiet).load(h3, T0 + 2 * MIN);
  assert.equal(h3.samples('a', T0 + 2 * MIN).map((s) => s.depth), [1, 3]);
  assert.equal(h3.samples('b', T0 + 2 * MIN).map((s) => s.depth), [2, 4]);

  // A row that is not what the store writes is skipped and counted; the others are read.
  db.prepare('INSERT INTO dashboard_heartbeat_minutes (minute, samples) VALUES (?, ?)').run(m0 + 2, '{"d": ["a"], "t": []}');
  db.prepare('INSERT INTO dashboard_heartbeat_minutes (minute, samples) VALUES (?, ?)').run(m0 + 3, 'not json');
  const reader = new HeartbeatStore(db, quiet);
  assert.is(reader.load(new HeartbeatHistory({ minutes: 10 }), T0 + 4 * MIN), 4);
  assert.is(reader.unreadable, 2);
  // Past the window: deleted.
  assert.is(reader.prune(T0 + 10 * MIN, 10), 1);
  assert.equal(minutes(), [m0 + 1, m0 + 2, m0 + 3]);

  // The database gone (a full disk fails the same way): counted, the history in memory untouched.
  db.close();
  reader.keep('a', h.record('a', beat(9), T0 + 5 * MIN)!);
  assert.is(reader.flush(T0 + 6 * MIN), 0);
  assert.is(reader.failures, 1);
  assert.equal(h.samples('a', T0 + 5 * MIN).at(-1)!.depth, 9);
});

test.run();
