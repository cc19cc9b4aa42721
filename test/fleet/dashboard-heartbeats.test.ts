/**
 * The dashboard's heartbeat history alone (pure, no fleet): the last sample of each minute, the
 * window, the ring that grows as it fills and wraps when full, the bound on devices, and what a
 * state without a heartbeat, or a fleet clock stepped back, does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeartbeatHistory, heartbeatValues } from '../../fleet/engines/dashboard/heartbeats.js';
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

test.run();
