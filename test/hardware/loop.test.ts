/**
 * The loop detector class: the contract on the gpio driver over a fake sysfs GPIO (a Pi 4 on kernel
 * 6.6) and on the simulated lanes; then what only the gpio driver does (the header's gpiochip base,
 * an unreadable line) and what only the simulated lanes do (seeded traffic through a day).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLoopDetector, type LaneCrossing, type LoopFaultEvent } from '../../hardware/loop/loop.js';
import { loopContract, type LoopSetup, type LoopUnderTest } from '../../hardware/loop/contract.js';
import { FakeSysfsGpio, PI_SYSFS_LAYOUTS } from '../../hardware/gpio/fake-gpio.js';
import { ManualTime } from '../../hardware/common/time.js';
import { TrafficModel, vehicleEdges } from '../../hardware/loop/traffic.js';

/** BCM numbers of each lane's detector outputs. */
const PINS: Record<string, { a: number; b: number }> = { 'entry-1': { a: 5, b: 6 }, 'exit-1': { a: 13, b: 19 } };

function gpioOverFakeSysfs(setup: LoopSetup): LoopUnderTest {
  const sysfs = new FakeSysfsGpio(path.join(setup.root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  const { root: _root, lanes, time, ...timings } = setup;
  const detector = createLoopDetector({
    kind: 'gpio',
    lanes: lanes.map((lane) => ({ lane, ...PINS[lane]! })),
    sysfsRoot: sysfs.root,
    openLine: sysfs.open,
    clock: time,
    timers: time,
    ...timings,
  });
  return {
    detector,
    // The detector's output pulls low while its loop is occupied; Pi 4 on 6.6: BCM n is sysfs 512 + n.
    setLoop: (lane, loop, occupied) => sysfs.set(512 + PINS[lane]![loop], occupied ? 0 : 1),
    openWatchers: () => sysfs.watchers() + sysfs.exported().length,
  };
}

function simulated(setup: LoopSetup): LoopUnderTest {
  const { root: _root, lanes, time, ...timings } = setup;
  const detector = createLoopDetector({ kind: 'simulated', lanes: lanes.map((lane) => ({ lane })), clock: time, timers: time, ...timings });
  return { detector, setLoop: (lane, loop, occupied) => detector.setLoop(lane, loop, occupied), openWatchers: () => (detector.listening ? 1 : 0) + detector.busy.length };
}

loopContract('gpio driver over a fake sysfs GPIO (Pi 4, kernel 6.6)', gpioOverFakeSysfs);
loopContract('simulated lanes', simulated);

// ---------------------------------------------------------------------------------------------

const gpio = suite('gpio loops: the header chip, BCM → sysfs numbers, an unreadable line');
let root = '';
gpio.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-loop-'));
});
gpio.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

for (const [layout, base] of [
  ['pi4Kernel66', 512],
  ['pi4Kernel61', 0],
  ['pi5Kernel66', 571],
] as const) {
  gpio(`${layout}: lines opened at base ${base} + BCM, a car counted through the files`, async () => {
    const sysfs = new FakeSysfsGpio(path.join(root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS[layout]);
    const time = new ManualTime();
    const detector = createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'entry-1', a: 5, b: 6 }], sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
    const seen: LaneCrossing[] = [];
    detector.onCrossing((c) => seen.push(c));
    try {
      await detector.start();
      assert.equal(sysfs.exported(), [base + 5, base + 6]);
      assert.is(detector.chip?.base, base);
      assert.equal(detector.lines.get(base + 6), { lane: 'entry-1', loop: 'b' });
      for (const [n, v] of [[5, 0], [6, 0], [5, 1], [6, 1]] as const) {
        sysfs.set(base + n, v);
        time.advance(1000);
      }
      time.advance(2000);
      assert.equal(seen.map((c) => c.order), ['ab']);
    } finally {
      await detector.stop();
    }
    assert.equal(sysfs.exported(), []);
  });
}

gpio('occupiedWhen high: a detector whose output goes high while occupied', async () => {
  const sysfs = new FakeSysfsGpio(path.join(root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66, 0);
  const time = new ManualTime();
  const detector = createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'x', a: 5, b: 6 }], occupiedWhen: 'high', sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  const seen: LaneCrossing[] = [];
  detector.onCrossing((c) => seen.push(c));
  try {
    await detector.start();
    for (const [n, v] of [[6, 1], [5, 1], [6, 0], [5, 0]] as const) {
      sysfs.set(512 + n, v);
      time.advance(1000);
    }
    time.advance(2000);
    assert.equal(seen.map((c) => c.order), ['ba']);
  } finally {
    await detector.stop();
  }
});

gpio('a line that cannot be read raises line-error naming lane and loop; its next good reading clears it', async () => {
  const sysfs = new FakeSysfsGpio(path.join(root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  const time = new ManualTime();
  const detector = createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'entry-1', a: 5, b: 6 }], sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  const faults: LoopFaultEvent[] = [];
  detector.onFault((f) => faults.push(f));
  try {
    await detector.start();
    sysfs.break(512 + 6);
    assert.equal(detector.health().faults.map((f) => [f.lane, f.loop, f.kind]), [['entry-1', 'b', 'line-error']]);
    assert.ok(detector.health().errors >= 1);
    sysfs.set(512 + 6, 1);
    assert.equal(detector.health().faults, []);
    assert.equal(faults.map((f) => f.state), ['raised', 'cleared']);
  } finally {
    await detector.stop();
  }
});

gpio('no header chip: start() rejects naming what it found, and holds nothing', async () => {
  const sysfs = new FakeSysfsGpio(path.join(root, 'sys/class/gpio'), [{ base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' }]);
  const detector = createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'x', a: 5, b: 6 }], sysfsRoot: sysfs.root, openLine: sysfs.open });
  const refused = await detector.start().then(
    () => null,
    (err: Error) => err,
  );
  assert.match(refused?.message ?? 'started', /no GPIO header chip.*raspberrypi-exp-gpio/);
  assert.is(detector.health().status, 'stopped');
  assert.equal(sysfs.exported(), []);
});

gpio('bad configs are refused before any I/O, naming the problem', () => {
  assert.throws(() => createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'x', a: 5, b: 5 }] }), /used twice/);
  assert.throws(() => createLoopDetector({ kind: 'gpio', lanes: [] }), /1 to 16 lanes/);
  assert.throws(() => createLoopDetector({ kind: 'gpio', lanes: [{ lane: 'bad lane', a: 5, b: 6 }] }), /not a lane name/);
  assert.throws(() => createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'x' }], openHours: { from: '25:00', to: '20:00' } }), /openHours.from/);
  assert.throws(() => createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'x' }], timeZone: 'Europe/Celje' }), /time zone/);
  assert.throws(() => createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'x' }], traffic: { speed: 0 } }), /speed/);
});

gpio.run();

// ---------------------------------------------------------------------------------------------

const sim = suite('simulated lanes: seeded traffic');
/** The simulated day runs this much faster (a lane passes ~500 vehicles a real hour: it keeps up). */
const SPEED = 3;

/** Plays `hours` of simulated traffic from `dayStartsAt`; returns what was told and the progress. */
async function day(options: { seed: number; hours: number; lanes?: { lane: string; kind: 'entry' | 'exit' | 'both' }[]; sampleEveryH?: number }) {
  const time = new ManualTime();
  const detector = createLoopDetector({
    kind: 'simulated',
    lanes: options.lanes ?? [
      { lane: 'entry-1', kind: 'entry' },
      { lane: 'exit-1', kind: 'exit' },
    ],
    traffic: { seed: options.seed, arrivalsPerHour: 120, capacity: 150, speed: SPEED, dayStartsAt: '05:00', reversingShare: 0.05, trailerShare: 0.05 },
    clock: time,
    timers: time,
  });
  const crossings: LaneCrossing[] = [];
  detector.onCrossing((c) => crossings.push(c));
  const samples: { time: string; inside: number }[] = [];
  await detector.start();
  const step = ((options.sampleEveryH ?? 1) * 3_600_000) / SPEED;
  for (let t = 0; t < (options.hours * 3_600_000) / SPEED; t += step) {
    time.advance(step);
    const p = detector.traffic!;
    samples.push({ time: p.simulatedTime, inside: p.inside });
  }
  // Let the vehicles under way finish before comparing.
  const progress = detector.traffic!;
  await detector.stop();
  return { crossings, progress, samples, health: detector.health() };
}

sim('a day: the garage fills in the morning, churns at lunch, empties in the evening', async () => {
  const { samples, progress } = await day({ seed: 7, hours: 18 });
  const at = (hhmm: string) => samples.find((s) => s.time === hhmm)!.inside;
  assert.ok(at('06:00') < 20, `06:00: ${at('06:00')}`);
  assert.ok(at('10:00') > 100, `10:00: ${at('10:00')}`);
  assert.ok(at('21:00') < at('13:00') / 2, `21:00: ${at('21:00')} vs 13:00: ${at('13:00')}`);
  assert.ok(progress.turnedAway > 0, 'a full garage turns arrivals away');
  assert.ok(progress.reversing > 0, 'the odd reversing car');
});

sim('every passage the traffic meant is counted, once, in its lane; reversing cars are not', async () => {
  const { crossings, progress, health } = await day({ seed: 3, hours: 6 });
  const counted = (lane: string, order: string) => crossings.filter((c) => c.lane === lane && c.order === order).length;
  assert.ok(progress.expected['entry-1']!.ab > 50, JSON.stringify(progress.expected));
  assert.is(counted('entry-1', 'ab'), progress.expected['entry-1']!.ab);
  assert.is(counted('exit-1', 'ab'), progress.expected['exit-1']!.ab);
  assert.is(counted('entry-1', 'ba') + counted('exit-1', 'ba'), 0);
  const entry = health.lanes.find((l) => l.lane === 'entry-1')!;
  assert.ok(entry.aborted + entry.reversed > 0, 'reversing cars seen and not counted');
  assert.ok(entry.gaps > 0, 'trailers merged');
});

sim('a two-way lane: arrivals A→B, departures B→A', async () => {
  const { crossings, progress } = await day({ seed: 5, hours: 15, lanes: [{ lane: 'gate', kind: 'both' }] });
  const ab = crossings.filter((c) => c.order === 'ab').length;
  const ba = crossings.filter((c) => c.order === 'ba').length;
  assert.equal([ab, ba], [progress.expected.gate!.ab, progress.expected.gate!.ba]);
  assert.ok(ab > 0 && ba > 0);
});

sim('the same seed gives the same traffic; another seed another', () => {
  const take = (seed: number) => {
    const m = new TrafficModel({ seed, arrivalsPerHour: 100 }, 7 * 3_600_000);
    return Array.from({ length: 50 }, () => m.next());
  };
  assert.equal(take(11), take(11));
  assert.not.equal(take(11), take(12));
  assert.equal(vehicleEdges('trailer', { seed: 4, debounceMs: 100, gapMs: 1500 }), vehicleEdges('trailer', { seed: 4, debounceMs: 100, gapMs: 1500 }));
});

sim('drive(): one vehicle of each manoeuvre, counted as two loops can', async () => {
  const time = new ManualTime();
  const detector = createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'x' }], clock: time, timers: time });
  const seen: LaneCrossing[] = [];
  detector.onCrossing((c) => seen.push(c));
  await detector.start();
  const plans = (['drive', 'stop', 'trailer', 'reverse', 'back-off'] as const).map((m, i) => detector.drive('x', m, { seed: i + 1, chatter: i === 0 }));
  time.advance(5 * 60_000);
  assert.equal(plans.map((p) => p.counted), [true, true, true, false, false]);
  assert.equal(seen.map((c) => c.order), ['ab', 'ab', 'ab']);
  assert.throws(() => detector.drive('y', 'drive'), /no lane/);
  await detector.stop();
});

sim.run();
