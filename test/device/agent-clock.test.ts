/**
 * A wall clock that steps (NTP after a boot without an RTC, a resumed VM, a correction either
 * way) against the agent: rates and timeouts run on monotonic time, ages and TTLs on the outbox
 * clock, and a step is counted in the heartbeat, never taken for time that passed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { Agent } from '../../device/agent.js';
import { Outbox } from '../../device/outbox.js';
import { openDatabase } from '../../device/store.js';
import type { Clock } from '../../protocols/index.js';
import { FleetState, OutboxConfig, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { fleetClient, provision, quiet, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

/** Real time, with a wall clock that can be stepped; monotonic time runs on regardless. */
class SteppableClock implements Clock {
  #offsetMs = 0;
  now(): number {
    return Date.now() + this.#offsetMs;
  }
  mono(): number {
    return performance.now();
  }
  step(ms: number): void {
    this.#offsetMs += ms;
  }
}

/** Time that moves only when told: a board's wall clock and its monotonic clock (which starts again at each boot). */
class FakeClock implements Clock {
  constructor(public wall: number, public monotonic = 0) {}
  now(): number {
    return this.wall;
  }
  mono(): number {
    return this.monotonic;
  }
  /** Time passes: both clocks move. */
  pass(ms: number): void {
    this.wall += ms;
    this.monotonic += ms;
  }
}

test('wall clock stepped back an hour mid-drain: the backlog keeps draining at its rate limit (the token bucket runs on monotonic time)', async () => {
  const fleet = await startFleet();
  const clock = new SteppableClock();
  const config = provision(fleet, 'bus-ck1', 'bus', { outbox: { drain: { batchSize: 10, maxBatchesPerS: 20 } } });
  const agent = new Agent({ config, log: quiet, clock, maintenanceMs: 100 });
  try {
    await Promise.all(range(600).map((i) => agent.record('gps', { i })));
    await agent.start();
    await waitFor('draining', () => storedSeqs(fleet, 'bus-ck1', 'gps').length >= 100);
    clock.step(-HOUR);
    // 50 batches left at 20 a second: some 2.5 s. A bucket on wall time would wait an hour for its next token.
    await waitFor('the whole backlog stored', () => storedSeqs(fleet, 'bus-ck1', 'gps').length === 600, 20_000);
    assert.equal(storedSeqs(fleet, 'bus-ck1', 'gps'), range(600));
    await waitFor('the step counted in the heartbeat', () => agent.state().clock?.steps === 1, 5000);
    const lastStepMs = agent.state().clock!.lastStepMs;
    assert.ok(Math.abs(lastStepMs + HOUR) < 2000, `stepped back by an hour (${lastStepMs} ms)`);
    assert.ok(agent.link.connected);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('wall clock stepped forward 8 days (past the 7-day TTL) while the fleet is away: nothing expires, all arrives when it is back, the step is counted', async () => {
  const fleet = await startFleet();
  const clock = new SteppableClock();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const config = provision(fleet, 'bus-ck2', 'bus', { outbox: { streams: { gps: { ttlS: 7 * 24 * 3600 } } } });
    const agent = (started = new Agent({ config, log: quiet, clock, maintenanceMs: 100 }));
    const fc = (opened = await fleetClient(fleet));
    const fleetState = (status: 'online' | 'offline') =>
      fc.publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: Date.now(), status }), { qos: 1, retain: true });
    await agent.start();
    await waitFor('online', () => agent.link.fleetOnline);
    await fleetState('offline');
    await waitFor('the agent holds its records', () => !agent.link.fleetOnline);
    await Promise.all(range(50).map((i) => agent.record('gps', { i })));

    clock.step(8 * DAY);
    await waitFor('the step counted in the heartbeat', () => agent.state().clock?.steps === 1, 5000);
    assert.ok(Math.abs(agent.state().clock!.lastStepMs - 8 * DAY) < 2000);
    // Saved as soon as it was seen: a crash now would not take the step for 8 days that passed.
    const db = openDatabase(path.join(config.dataDir, 'agent.db'));
    const saved = db.prepare('SELECT wall FROM outbox_clock').get() as { wall: number };
    db.close();
    assert.ok(saved.wall > clock.now() - DAY, 'the outbox clock was saved after the step');
    assert.is(agent.outbox.expire(), 0, 'a step is not age');
    await sleep(800); // past the maintenance's own expiry (every 6th tick)
    assert.is(agent.outbox.depth(), 50, 'nothing expired');
    assert.is(agent.outbox.stats().dropped, 0);
    assert.ok(agent.outbox.stats().oldestAgeS! < 60, 'ages by the outbox clock');

    await fleetState('online');
    await waitFor('all stored', () => storedSeqs(fleet, 'bus-ck2', 'gps').length === 50, 10_000);
    assert.equal(storedSeqs(fleet, 'bus-ck2', 'gps'), range(50));
  } finally {
    await opened?.endAsync();
    await started?.stop();
    await fleet.stop();
  }
});

function openOutbox(file: string, clock: Clock) {
  const db = openDatabase(file);
  const config = OutboxConfig.parse({ streams: { day: { ttlS: 24 * 3600 }, month: { ttlS: 30 * 24 * 3600 } } }); // gps: the default 7 days
  return { db, outbox: new Outbox(db, { config, clock }) };
}

test('outbox clock across restarts: a wall clock behind the saved one adds no age (no negative ages, nothing expires early); a wall clock ahead counts as time that passed while the agent was off (records past their TTL go)', async () => {
  const file = path.join(tmpDir(), 'agent.db');
  const boot1 = new FakeClock(1_800_000_000_000, 5_000);
  let { db, outbox } = openOutbox(file, boot1);
  await Promise.all([outbox.append('gps', 1), outbox.append('gps', 2), outbox.append('day', 1), outbox.append('month', 1)]);
  boot1.pass(10 * 60_000);
  outbox.close();
  db.close();

  // A Pi that booted an hour in the past (no RTC): its monotonic clock starts again too.
  const boot2 = new FakeClock(boot1.wall - HOUR, 3_000);
  ({ db, outbox } = openOutbox(file, boot2));
  assert.is(outbox.stats().oldestAgeS, 600, 'ages continue from the saved clock: 10 minutes, neither negative nor an hour off');
  assert.is(outbox.expire(), 0);
  boot2.pass(23 * HOUR);
  assert.is(outbox.expire(), 0, 'at 23 h 10 min the one-day records are still in time');
  boot2.pass(HOUR);
  assert.is(outbox.expire(), 1, 'at 24 h 10 min of time the agent saw pass, they go');
  outbox.close();
  db.close();

  // Off for ten days by the wall clock: that counts.
  const boot3 = new FakeClock(boot2.wall + 10 * DAY, 7_000);
  ({ db, outbox } = openOutbox(file, boot3));
  assert.is(outbox.stats().oldestAgeS, (10 * DAY + 24 * HOUR + 10 * 60_000) / 1000);
  assert.is(outbox.expire(), 2, 'the two 7-day gps records are past their TTL');
  assert.equal(outbox.streams(), ['month'], 'the 30-day record stays');
  assert.is(outbox.stats().dropped, 3);
  outbox.close();
  db.close();
});

for (const [how, save] of [
  ['with the next commit', async (outbox: Outbox) => void (await outbox.append('gps', 'after the step'))],
  ["by the agent's step watch", async (outbox: Outbox) => void outbox.saveClock()],
] as const) {
  test(`a wall clock stepped forward 8 days while running, saved ${how}, then a crash: the restart does not take the step for time that passed`, async () => {
    const file = path.join(tmpDir(), 'agent.db');
    const boot1 = new FakeClock(1_800_000_000_000, 5_000);
    const first = openOutbox(file, boot1);
    await Promise.all([first.outbox.append('gps', 1), first.outbox.append('gps', 2)]);
    assert.is(first.outbox.expire(), 0); // the periodic save
    boot1.pass(30_000);
    boot1.wall += 8 * DAY; // NTP at last
    boot1.pass(1_000);
    await save(first.outbox);
    boot1.pass(5_000);
    (first.db as Database.Database).close(); // a crash: no close of the outbox, no last save

    const boot2 = new FakeClock(boot1.wall + 20_000, 1_000);
    const again = openOutbox(file, boot2);
    assert.is(again.outbox.expire(), 0, 'nothing expired');
    const age = again.outbox.stats().oldestAgeS!;
    assert.ok(age < 120, `ages count the time that passed, not the step (${age} s)`);
    again.outbox.close();
    again.db.close();
  });
}

test.run();
