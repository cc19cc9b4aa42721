/**
 * The car-park counter: lane kinds and the estimate's rules as tables; then simulated lanes
 * (hardware/loop/, the real loop logic, on a manual clock) through a real agent with the counter
 * module and a real fleet on loopback storing the `loops` records; the verb `adjust` through the
 * fleet's API; the nightly recalibration on a steppable clock; a stuck loop in the heartbeat.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { parseAgentConfig } from '../../device/config.js';
import { driversFrom } from '../../device/hardware.js';
import { modulesFor } from '../../device/roles.js';
import { counter } from '../../device/modules/counter/index.js';
import { nextCount, recalibrationDue } from '../../device/modules/counter/estimate.js';
import { directionOf, laneProblems } from '../../device/modules/counter/lanes.js';
import { createLoopDetector, GpioLoopDetector, SimulatedLoopDetector } from '../../hardware/loop/loop.js';
import { localTimeOfDayMs, DAY_MS } from '../../hardware/loop/hours.js';
import { ManualTime } from '../../hardware/common/time.js';
import { CounterSettings } from '../../protocols/index.js';
import type { FleetService } from '../../fleet/service.js';
import { api, provision, quiet, startFleet, SteppableClock, waitFor } from '../helpers.js';

const TZ = 'Europe/Ljubljana';

test('lane kinds: A→B is in on an entry lane, out on an exit lane; the other way is wrong-way on one-way lanes', () => {
  const table = [
    ['entry', 'ab', 'in', false],
    ['entry', 'ba', 'out', true],
    ['exit', 'ab', 'out', false],
    ['exit', 'ba', 'in', true],
    ['both', 'ab', 'in', false],
    ['both', 'ba', 'out', false],
  ] as const;
  for (const [kind, order, direction, wrongWay] of table) assert.equal(directionOf(kind, order), { direction, wrongWay }, `${kind} ${order}`);
  assert.equal(laneProblems({ 'entry-1': { carParkId: 'glazija', kind: 'entry' } }, ['entry-1']), []);
  assert.equal(laneProblems({ 'entry-1': { carParkId: 'glazija', kind: 'entry' }, 'gate-9': { carParkId: 'glazija', kind: 'both' } }, ['entry-1', 'exit-1']), [
    'lane exit-1 not in modules.counter.lanes: not recorded',
    'lane gate-9 of modules.counter.lanes not in hardware.loops',
  ]);
});

test('the estimate moves by one, is set by hand, and stays within 0…capacity (clamps reported)', () => {
  assert.equal(nextCount(5, { delta: 1 }, 10), { after: 6, clamped: 0 });
  assert.equal(nextCount(0, { delta: -1 }, 10), { after: 0, clamped: 1 });
  assert.equal(nextCount(10, { delta: 1 }, 10), { after: 10, clamped: 1 });
  assert.equal(nextCount(10, { delta: 1 }), { after: 11, clamped: 0 });
  assert.equal(nextCount(3, { set: 40 }, 25), { after: 25, clamped: 15 });
  assert.equal(nextCount(3, { delta: -7 }, 25), { after: 0, clamped: 4 });
});

test('recalibration is due once a night, from the configured local time, within a window', () => {
  // 2026-11-27: CET, UTC+1. 03:00 local is 02:00 UTC.
  const at = (utcH: number, utcM = 0) => Date.UTC(2026, 10, 27, utcH, utcM);
  assert.is(recalibrationDue(at(1, 59), '03:00', TZ, null), null, 'not yet');
  assert.is(recalibrationDue(at(2, 0), '03:00', TZ, null), '2026-11-27');
  assert.is(recalibrationDue(at(2, 0), '03:00', TZ, '2026-11-27'), null, 'done tonight');
  assert.is(recalibrationDue(at(6, 30), '03:00', TZ, '2026-11-26'), '2026-11-27', 'missed at 03:00, done at 07:30');
  assert.is(recalibrationDue(at(9, 0), '03:00', TZ, '2026-11-26'), null, 'too late: the car park is open again');
  assert.is(recalibrationDue(Date.UTC(2026, 6, 1, 1, 0), '03:00', TZ, null), '2026-07-01', 'summer time: 03:00 CEST is 01:00 UTC');
});

test('settings: lanes and car parks checked by the one schema, the night count within capacity', () => {
  const ok = CounterSettings.parse({ lanes: { 'entry-1': { carParkId: 'glazija', kind: 'entry' } }, carParks: { glazija: { capacity: 380, nightlyCount: 12 } } });
  assert.is(ok.carParks.glazija!.nightlyAt, '03:00');
  assert.is(ok.timeZone, TZ);
  assert.not.ok(CounterSettings.safeParse({ lanes: { 'entry 1': { carParkId: 'g', kind: 'entry' } } }).success);
  assert.not.ok(CounterSettings.safeParse({ lanes: { e: { carParkId: 'g', kind: 'in' } } }).success);
  assert.not.ok(CounterSettings.safeParse({ carParks: { g: { capacity: 10, nightlyCount: 11 } } }).success);
  assert.not.ok(CounterSettings.safeParse({ carParks: { g: { nightlyAt: '3:00' } } }).success);
});

test('the config\'s hardware.loops gives the counter its detector; a car-park counter runs board-watch and counter', () => {
  const base = { deviceId: 'cp-1', role: 'car-park-counter', dataDir: '/tmp/x', mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'cp-1', password: 'p' } };
  const sim = parseAgentConfig({ ...base, hardware: { loops: { kind: 'simulated', lanes: [{ lane: 'entry-1', kind: 'entry' }], traffic: { speed: 10 }, gapMs: 800 } } });
  const simulated = driversFrom(sim.hardware, quiet).loops;
  assert.ok(simulated instanceof SimulatedLoopDetector);
  assert.equal(simulated!.lanes, ['entry-1']);
  const gpio = parseAgentConfig({ ...base, hardware: { loops: { kind: 'gpio', lanes: [{ lane: 'entry-1', a: 5, b: 6 }], openHours: { from: '06:00', to: '22:00' }, silentMs: 7_200_000 } } });
  assert.ok(driversFrom(gpio.hardware, quiet).loops instanceof GpioLoopDetector);
  assert.throws(() => parseAgentConfig({ ...base, hardware: { loops: { kind: 'gpio', lanes: [{ lane: 'a', a: 5, b: 6 }, { lane: 'b', a: 6, b: 7 }] } } }), /hardware\.loops\.lanes: a BCM line is used twice/);
  assert.throws(() => parseAgentConfig({ ...base, hardware: { loops: { kind: 'simulated', lanes: [{ lane: 'x' }], openHours: { from: '6:00', to: '22:00' } } } }), /hardware\.loops\.openHours\.from/);
  assert.equal(modulesFor('car-park-counter').map((m) => m.name), ['board-watch', 'counter']);
});

// ---------------------------------------------------------------------------------------------

async function command(fleet: FleetService, id: string, verb: string, args: Record<string, unknown>, force = false) {
  const res = await api(fleet, 'POST', `/api/devices/${id}/commands`, { verb, args, ...(force ? { force } : {}) });
  assert.is(res.status, 202, JSON.stringify(res.body));
  return waitFor(`${verb} answered`, async () => {
    const c = (await api(fleet, 'GET', `/api/devices/${id}/commands/${res.body.cmdId}`)).body;
    return ['succeeded', 'failed', 'rejected', 'expired'].includes(c.status) ? c : null;
  });
}

const LANES = {
  'entry-1': { carParkId: 'glazija', kind: 'entry' },
  'exit-1': { carParkId: 'glazija', kind: 'exit' },
  'gate-1': { carParkId: 'mestni-park', kind: 'both' },
} as const;

function lanes(time: ManualTime, extra: { stuckMs?: number } = {}) {
  return createLoopDetector({
    kind: 'simulated',
    lanes: [
      { lane: 'entry-1', kind: 'entry' },
      { lane: 'exit-1', kind: 'exit' },
      { lane: 'gate-1', kind: 'both' },
    ],
    clock: time,
    timers: time,
    ...extra,
  });
}

test('vehicles through the lanes: each a loops record stored once by the fleet, and the local estimate; adjust corrects it', async () => {
  const fleet = await startFleet();
  const time = new ManualTime(Date.now());
  const loops = lanes(time);
  const module = counter();
  const settings = { modules: { counter: { lanes: LANES, carParks: { glazija: { capacity: 5 } } } } };
  const agent = new Agent({ config: provision(fleet, 'cp-glazija', 'car-park-counter', { settings }), log: quiet, modules: [module], drivers: { loops } });
  try {
    await agent.start();
    assert.equal(agent.state().modules!.counter, { status: 'ok' });
    await waitFor('online', () => fleet.presence.of('cp-glazija') === 'online');
    // Seven cars into Glazija (capacity 5), a reversing one, two out; one into and one out of Mestni park.
    for (let i = 0; i < 7; i++) loops.drive('entry-1', 'drive', { seed: i + 1 });
    loops.drive('entry-1', 'reverse', { seed: 8 });
    loops.drive('entry-1', 'back-off', { seed: 9 });
    loops.drive('entry-1', 'trailer', { seed: 10 });
    time.advance(10 * 60_000);
    loops.drive('exit-1', 'stop', { seed: 11 });
    loops.drive('exit-1', 'drive', { seed: 12 });
    loops.drive('gate-1', 'drive', { seed: 13, order: 'ab' });
    loops.drive('gate-1', 'drive', { seed: 14, order: 'ba' });
    loops.drive('gate-1', 'drive', { seed: 15, order: 'ab' });
    time.advance(10 * 60_000);
    const stored = await waitFor('13 loops records stored', () => {
      const r = fleet.ingest.records('cp-glazija', 'loops');
      return r.length >= 13 ? r : null;
    });
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes
    assert.is(fleet.ingest.records('cp-glazija', 'loops').length, 13);
    assert.equal(new Set(stored.map((r) => r.seq)).size, 13, 'each seq once');
    const data = stored.map((r) => r.data as { carParkId: string; lane: string; direction: string; ts: number });
    const tally = (park: string, lane: string, direction: string) => data.filter((d) => d.carParkId === park && d.lane === lane && d.direction === direction).length;
    assert.is(tally('glazija', 'entry-1', 'in'), 8, 'seven cars and a trailer, not the reversing ones');
    assert.is(tally('glazija', 'exit-1', 'out'), 2);
    assert.is(tally('mestni-park', 'gate-1', 'in'), 2);
    assert.is(tally('mestni-park', 'gate-1', 'out'), 1);
    for (const d of data) assert.ok(d.ts > time.now() - 21 * 60_000 && d.ts <= time.now(), `ts ${d.ts} is the crossing's`);
    // 8 in, clamped at 5, then 2 out: 3.
    assert.equal(module.estimate(), { glazija: 3, 'mestni-park': 1 });
    assert.equal(module.tally(), { in: 10, out: 3, wrongWay: 0, unmapped: 0, clamped: 3 });

    const adjusted = await command(fleet, 'cp-glazija', 'adjust', { carParkId: 'glazija', delta: 2, reason: 'counted by hand', by: 'mojca' });
    assert.is(adjusted.status, 'succeeded', JSON.stringify(adjusted));
    assert.equal(adjusted.result, { carParkId: 'glazija', before: 3, after: 5 });
    const set = await command(fleet, 'cp-glazija', 'adjust', { carParkId: 'mestni-park', set: 40, reason: 'open-day count', by: 'mojca' });
    assert.equal(set.result, { carParkId: 'mestni-park', before: 1, after: 40 });
    assert.equal(module.estimate(), { glazija: 5, 'mestni-park': 40 });
    // The fleet refuses malformed args before queueing them (protocols/verbs.ts), naming the reason.
    const early = await api(fleet, 'POST', '/api/devices/cp-glazija/commands', { verb: 'adjust', args: { carParkId: 'glazija', delta: 1, set: 3, reason: 'x', by: 'y' } });
    assert.is(early.status, 400);
    assert.match(early.body.error, /exactly one of delta and set/);
    // The agent checks them itself all the same (forced past the fleet's check), and what only it knows.
    for (const [args, why] of [
      [{ carParkId: 'glazija', delta: 1, set: 3, reason: 'x', by: 'y' }, /exactly one of delta and set/],
      [{ carParkId: 'glazija', delta: 1, by: 'y' }, /reason/],
      [{ carParkId: 'celeiapark', delta: 1, reason: 'x', by: 'y' }, /does not count car park celeiapark/],
    ] as const) {
      const refused = await command(fleet, 'cp-glazija', 'adjust', args, true);
      assert.is(refused.status, 'rejected');
      assert.match(refused.error, why);
    }
    assert.equal(module.estimate(), { glazija: 5, 'mestni-park': 40 });
    const status = await command(fleet, 'cp-glazija', 'counter-status', {});
    assert.equal(
      status.result.changes.map((c: { carParkId: string; before: number; after: number; by: string }) => [c.carParkId, c.before, c.after, c.by]),
      [['mestni-park', 1, 40, 'mojca'], ['glazija', 3, 5, 'mojca']],
    );
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('nightly recalibration: at 03:00 local the estimate is set to the night count, once; logged and kept', async () => {
  const fleet = await startFleet();
  const clock = new SteppableClock();
  const time = new ManualTime(Date.now());
  const loops = lanes(time);
  const module = counter({ clock, checkMs: 20 });
  const settings = { modules: { counter: { lanes: LANES, carParks: { glazija: { capacity: 300, nightlyCount: 4, nightlyAt: '03:00' } } } } };
  const agent = new Agent({ config: provision(fleet, 'cp-night', 'car-park-counter', { settings }), log: quiet, modules: [module], drivers: { loops } });
  /** Steps the module's wall clock to `hhmmss` local time on the next such moment. */
  const stepTo = (h: number, m: number, s: number) => {
    const want = ((h * 60 + m) * 60 + s) * 1000;
    const ahead = (((want - localTimeOfDayMs(clock.now(), TZ)) % DAY_MS) + DAY_MS) % DAY_MS;
    clock.step(ahead);
  };
  try {
    stepTo(14, 0, 0); // the afternoon: nothing due at start
    await agent.start();
    for (let i = 0; i < 9; i++) loops.drive('entry-1', 'drive', { seed: i + 1 });
    time.advance(10 * 60_000);
    assert.equal(module.estimate(), { glazija: 9 });
    stepTo(2, 59, 50);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(module.estimate(), { glazija: 9 }, 'not before 03:00');
    stepTo(3, 0, 5);
    await waitFor('recalibrated', () => module.estimate().glazija === 4);
    loops.drive('entry-1', 'drive', { seed: 20 });
    time.advance(60_000);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(module.estimate(), { glazija: 5 }, 'recalibrated once: counting goes on from it');
    const status = await command(fleet, 'cp-night', 'counter-status', {});
    const changes = status.result.changes as { kind: string; before: number; after: number; by: string }[];
    assert.equal(changes.map((c) => [c.kind, c.before, c.after, c.by]), [['recalibrate', 9, 4, 'counter']]);
    assert.match(status.result.estimates[0].recalibrated, /^\d{4}-\d{2}-\d{2}$/);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('a stuck loop makes the module degraded in the heartbeat, with the reason; cleared, ok again', async () => {
  const fleet = await startFleet();
  const time = new ManualTime(Date.now());
  const loops = lanes(time, { stuckMs: 120_000 });
  const agent = new Agent({
    config: provision(fleet, 'cp-stuck', 'car-park-counter', { settings: { heartbeatS: 1, modules: { counter: { lanes: LANES } } } }),
    log: quiet,
    modules: [counter()],
    drivers: { loops },
  });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('cp-stuck') === 'online');
    loops.setLoop('exit-1', 'b', true);
    time.advance(60_000);
    assert.is(agent.state().modules!.counter!.status, 'ok');
    time.advance(61_000);
    const seen = await waitFor('degraded in the fleet', () => {
      const m = fleet.registry.get('cp-stuck')?.state?.modules?.counter;
      return m?.status === 'degraded' ? m : null;
    });
    assert.match(seen.error ?? '', /lane exit-1 loop B loop-stuck: loop B occupied for 2 min/);
    loops.setLoop('exit-1', 'b', false);
    time.advance(5_000);
    assert.equal(agent.state().modules!.counter, { status: 'ok' });
    await waitFor('ok in the fleet', () => fleet.registry.get('cp-stuck')?.state?.modules?.counter?.status === 'ok');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('without loop detectors, or with lanes the settings do not name, the module says so and the agent runs on', async () => {
  const fleet = await startFleet();
  const time = new ManualTime(Date.now());
  const loops = createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'entry-1' }, { lane: 'entry-2' }], clock: time, timers: time });
  const module = counter();
  const a1 = new Agent({ config: provision(fleet, 'cp-none', 'car-park-counter'), log: quiet, modules: [counter()] });
  const a2 = new Agent({
    config: provision(fleet, 'cp-half', 'car-park-counter', { settings: { modules: { counter: { lanes: { 'entry-1': { carParkId: 'glazija', kind: 'entry' } } } } } }),
    log: quiet,
    modules: [module],
    drivers: { loops },
  });
  try {
    await a1.start();
    assert.equal(a1.state().modules!.counter, { status: 'degraded', error: 'no loop detectors configured (hardware.loops)' });
    await a2.start();
    assert.equal(a2.state().modules!.counter, { status: 'degraded', error: 'lane entry-2 not in modules.counter.lanes: not recorded' });
    loops.drive('entry-2', 'drive');
    loops.drive('entry-1', 'drive', { order: 'ba' }); // the wrong way out through the entry
    time.advance(60_000);
    assert.equal(module.tally(), { in: 0, out: 1, wrongWay: 1, unmapped: 1, clamped: 1 });
    await waitFor('the wrong-way vehicle stored', () => fleet.ingest.records('cp-half', 'loops').length === 1);
    assert.equal((fleet.ingest.records('cp-half', 'loops')[0]!.data as { direction: string }).direction, 'out');
  } finally {
    await a1.stop();
    await a2.stop();
    await fleet.stop();
  }
});

test.run();
