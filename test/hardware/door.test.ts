/**
 * The door class: the contract on the gpio driver over a fake sysfs GPIO (a Pi 4 on kernel 6.6) and
 * on the simulated doors; then what only the gpio driver does (finding the header's gpiochip and
 * numbering its lines, on a Pi 4 with base 512, an old kernel with base 0 and a Pi 5's RP1) and
 * what only the simulated doors do (seeded stop visits of passengers).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDoorCounter, GpioDoorCounter, SimulatedDoorCounter, type DoorCounter } from '../../hardware/door/door.js';
import { doorContract, type DoorSetup, type DoorUnderTest } from '../../hardware/door/contract.js';
import { FakeSysfsGpio, PI_SYSFS_LAYOUTS, type FakeGpioChip } from '../../hardware/gpio/fake-gpio.js';
import { findHeaderChip, readGpioChips, sysfsNumber } from '../../hardware/gpio/sysfs.js';
import type { GpioDoorPins } from '../../hardware/door/gpio.js';
import { planStopVisit } from '../../hardware/door/passengers.js';
import { ManualTime } from '../../hardware/common/time.js';
import type { Beam } from '../../hardware/door/beams.js';

/** The wiring of a two-door bus: BCM numbers of each door's beam receivers. */
const PINS: Record<number, { a: number; b: number }> = { 1: { a: 17, b: 27 }, 2: { a: 22, b: 23 } };
const pinsOf = (doors: number[]): GpioDoorPins[] => doors.map((door) => ({ door, ...PINS[door]! }));

function gpioOverFakeSysfs(setup: DoorSetup): DoorUnderTest {
  const sysfs = new FakeSysfsGpio(path.join(setup.root, 'sys/class/gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  const { root: _root, doors, time, ...timings } = setup;
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf(doors), sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time, ...timings });
  return {
    counter,
    // Receivers pull low while their beam is broken; Pi 4 on 6.6: BCM n is sysfs 512 + n.
    setBeam: (door, beam, broken) => sysfs.set(512 + PINS[door]![beam], broken ? 0 : 1),
    openWatchers: () => sysfs.watchers() + sysfs.exported().length,
  };
}

function simulated(setup: DoorSetup): DoorUnderTest {
  const { root: _root, time, ...rest } = setup;
  const counter = createDoorCounter({ kind: 'simulated', clock: time, timers: time, ...rest });
  return { counter, setBeam: (door, beam, broken) => counter.setBeam(door, beam, broken), openWatchers: () => (counter.listening ? 1 : 0) + counter.visiting.length };
}

doorContract('gpio driver over a fake sysfs GPIO (Pi 4, kernel 6.6)', gpioOverFakeSysfs);
doorContract('simulated doors', simulated);

// ---------------------------------------------------------------------------------------------

const gpio = suite('gpio doors: the header chip, BCM → sysfs numbers, lines');
let root = '';
gpio.before.each(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-door-'));
});
gpio.after.each(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const fakeSysfs = (chips: readonly FakeGpioChip[]) => new FakeSysfsGpio(path.join(root, 'sys/class/gpio'), chips);

for (const [layout, base, label] of [
  ['pi4Kernel66', 512, 'pinctrl-bcm2711'],
  ['pi4Kernel61', 0, 'pinctrl-bcm2711'],
  ['pi3Kernel510', 0, 'pinctrl-bcm2835'],
  ['pi5Kernel66', 571, 'pinctrl-rp1'],
] as const) {
  gpio(`${layout}: the header is ${label} at base ${base}, and the driver opens base + BCM`, async () => {
    const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS[layout]);
    const chip = findHeaderChip(readGpioChips(sysfs.root));
    assert.equal([chip.base, chip.label], [base, label]);
    assert.is(sysfsNumber(chip, 17), base + 17);
    const time = new ManualTime();
    const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1, 2]), sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
    await counter.start();
    assert.equal(sysfs.exported(), [17, 22, 23, 27].map((n) => base + n));
    assert.is(counter.chip?.base, base);
    assert.equal(counter.lines.get(base + 27), { door: 1, beam: 'b' });
    // A boarding at door 2, through the files.
    for (const [n, v] of [[22, 0], [23, 0], [22, 1], [23, 1]] as const) {
      sysfs.set(base + n, v);
      time.advance(150);
    }
    assert.equal(counter.counts(), [{ door: 1, boardings: 0, alightings: 0 }, { door: 2, boardings: 1, alightings: 0 }]);
    await counter.stop();
    assert.equal(sysfs.exported(), []);
    assert.equal(counter.lines.size, 0);
  });
}

gpio('gpiochips are read from base, label and ngpio; unreadable ones are left out, order is by base', () => {
  const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS.pi5Kernel66);
  fs.mkdirSync(path.join(sysfs.root, 'gpiochip9999')); // no files in it
  fs.mkdirSync(path.join(sysfs.root, 'gpiochip600'));
  fs.writeFileSync(path.join(sysfs.root, 'gpiochip600', 'base'), 'six hundred\n');
  fs.writeFileSync(path.join(sysfs.root, 'gpiochip600', 'label'), 'odd\n');
  const chips = readGpioChips(sysfs.root);
  assert.equal(chips.map((c) => c.base), [512, 544, 548, 565, 571]);
  assert.equal(chips.at(-1), { name: 'gpiochip571', base: 571, ngpio: 54, label: 'pinctrl-rp1' });
  assert.equal(readGpioChips(path.join(root, 'nothing here')), []);
});

gpio('no header chip: start() rejects naming what it found, and holds nothing', async () => {
  const sysfs = fakeSysfs([{ base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' }]);
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), sysfsRoot: sysfs.root, openLine: sysfs.open });
  try {
    await counter.start();
    assert.unreachable('start() resolved');
  } catch (err) {
    assert.match(String(err), /no GPIO header chip labelled "pinctrl-rp1".*found gpiochip512 "gpio-brcmstb@107d508500"/);
  }
  assert.is(counter.health().status, 'stopped');
  assert.equal(sysfs.exported(), []);
  const empty = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), sysfsRoot: path.join(root, 'none'), openLine: sysfs.open });
  await empty.start().then(
    () => assert.unreachable('start() resolved'),
    (err) => assert.match(String(err), /no gpiochips at all/),
  );
});

gpio('another board: chipLabels picks its header chip', () => {
  const sysfs = fakeSysfs([{ base: 0, ngpio: 32, label: 'gpio-sunxi' }, { base: 352, ngpio: 32, label: 'r_pio' }]);
  assert.is(findHeaderChip(readGpioChips(sysfs.root), ['r_pio']).base, 352);
});

gpio('a BCM number beyond the chip, and a line the kernel refuses, fail start() and release what was opened', async () => {
  const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS.pi3Kernel510);
  const beyond = createDoorCounter({ kind: 'gpio', doors: [{ door: 1, a: 17, b: 54 }], sysfsRoot: sysfs.root, openLine: sysfs.open });
  await beyond.start().then(
    () => assert.unreachable('start() resolved'),
    (err) => assert.match(String(err), /BCM 54 is not a line of gpiochip0 "pinctrl-bcm2835" \(54 lines\)/),
  );
  // A sysfs tree that says base 0 on a kernel that numbers from 512: the kernel refuses the export.
  const lying = new FakeSysfsGpio(path.join(root, 'other'), PI_SYSFS_LAYOUTS.pi4Kernel66);
  fs.writeFileSync(path.join(lying.root, 'gpiochip512', 'base'), '0\n');
  const wrong = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), sysfsRoot: lying.root, openLine: lying.open });
  await wrong.start().then(
    () => assert.unreachable('start() resolved'),
    (err) => assert.match(String(err), /EINVAL/),
  );
  assert.equal(lying.exported(), []);
});

gpio('beams broken when high (brokenWhen: "high"), and beams already broken at start', async () => {
  const sysfs = new FakeSysfsGpio(path.join(root, 'gpio'), PI_SYSFS_LAYOUTS.pi4Kernel66, 0);
  sysfs.set(512 + 17, 1); // someone is on beam A as the bus starts counting
  const time = new ManualTime();
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), brokenWhen: 'high', sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  await counter.start();
  for (const [n, v] of [[27, 1], [17, 0], [27, 0]] as const) {
    sysfs.set(512 + n, v);
    time.advance(150);
  }
  assert.equal(counter.counts(), [{ door: 1, boardings: 1, alightings: 0 }]);
  await counter.stop();
});

gpio('a line that cannot be read raises line-error (never throws) and clears with the next good reading', async () => {
  const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS.pi4Kernel66);
  const time = new ManualTime();
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  await counter.start();
  sysfs.break(512 + 27);
  const h = counter.health();
  assert.is(h.status, 'fault');
  assert.equal(h.faults.map((f) => [f.door, f.beam, f.kind]), [[1, 'b', 'line-error']]);
  assert.is(h.errors, 1);
  sysfs.set(512 + 27, 1);
  assert.is(counter.health().status, 'ok');
  await counter.stop();
});

gpio('a bus stop played through the fake sysfs lines: the gpio driver counts what the passengers did', async () => {
  const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS.pi5Kernel66);
  const time = new ManualTime();
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1, 2]), sysfsRoot: sysfs.root, openLine: sysfs.open, clock: time, timers: time });
  await counter.start();
  const plans = [1, 2].map((door, i) => ({ door, plan: planStopVisit({ boardings: 9 + i, alightings: 6 - i, seed: 42 + i }) }));
  const timeline = plans.flatMap(({ door, plan }) => plan.edges.map((e) => ({ door, ...e }))).sort((x, y) => x.at - y.at);
  let now = 0;
  for (const e of timeline) {
    time.advance(e.at - now);
    now = e.at;
    sysfs.set(571 + PINS[e.door]![e.beam as Beam], e.broken ? 0 : 1);
  }
  time.advance(1000);
  assert.equal(counter.counts(), [{ door: 1, boardings: 9, alightings: 6 }, { door: 2, boardings: 10, alightings: 5 }]);
  for (const { door, plan } of plans) {
    const d = counter.health().doors.find((x) => x.door === door)!;
    assert.equal([d.aborted, d.flickers, d.stalls], [plan.aborted, plan.flickers, plan.pauses], `door ${door}`);
  }
  await counter.stop();
});

gpio('without an injected line opener the driver uses onoff, and says so plainly where sysfs GPIO is not there', async () => {
  const { Gpio } = await import('onoff');
  if (Gpio.accessible) return; // a real Pi: onoff would export real lines
  const sysfs = fakeSysfs(PI_SYSFS_LAYOUTS.pi4Kernel66);
  const counter = createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), sysfsRoot: sysfs.root });
  await counter.start().then(
    () => assert.unreachable('start() resolved'),
    (err) => assert.match(String(err), /sysfs GPIO is not accessible/),
  );
  assert.is(counter.health().status, 'stopped');
});

gpio('config mistakes are refused when the counter is made', () => {
  const sysfsRoot = root;
  for (const doors of [[], [{ door: 0, a: 17, b: 27 }], [{ door: 9, a: 17, b: 27 }], [{ door: 1, a: 17, b: 17 }], [{ door: 1, a: 17, b: 27 }, { door: 1, a: 22, b: 23 }], [{ door: 1, a: -1, b: 27 }]]) {
    assert.throws(() => createDoorCounter({ kind: 'gpio', doors, sysfsRoot }), RangeError, JSON.stringify(doors));
  }
  assert.throws(() => createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), stuckMs: 0 }), RangeError);
  assert.throws(() => createDoorCounter({ kind: 'gpio', doors: pinsOf([1]), debounceMs: -5 }), RangeError);
});

gpio.run();

// ---------------------------------------------------------------------------------------------

const sim = suite('simulated doors: seeded stop visits');

async function simulatedDoors(doors = [1, 2]) {
  const time = new ManualTime();
  const counter = createDoorCounter({ kind: 'simulated', doors, clock: time, timers: time });
  await counter.start();
  return { time, counter };
}

sim('a stop visit counts exactly its boardings and alightings; aborts, flickers and pauses are seen, not counted', async () => {
  for (const seed of [1, 2, 3, 7, 2026]) {
    const { time, counter } = await simulatedDoors();
    const front = counter.simulateStop({ door: 1, boardings: 14, alightings: 3, seed });
    const middle = counter.simulateStop({ door: 2, boardings: 2, alightings: 11, seed: seed + 100, abortRate: 0.3, flickerRate: 0.5, pauseRate: 0.2 });
    assert.equal(counter.visiting, [1, 2]);
    time.advance(Math.max(front.durationMs, middle.durationMs));
    assert.equal(counter.visiting, []);
    assert.equal(counter.counts(), [{ door: 1, boardings: 14, alightings: 3 }, { door: 2, boardings: 2, alightings: 11 }], `seed ${seed}`);
    for (const [door, plan] of [[1, front], [2, middle]] as const) {
      const d = counter.health().doors.find((x) => x.door === door)!;
      assert.equal([d.aborted, d.flickers, d.stalls, d.reversed, d.late], [plan.aborted, plan.flickers, plan.pauses, 0, 0], `seed ${seed} door ${door}`);
    }
    assert.ok(middle.aborted > 0 && middle.flickers > 0, `seed ${seed}: the middle door had no aborts or flickers to ignore`);
    await counter.stop();
    assert.is(time.pending(), 0);
  }
});

sim('the same seed walks the same passengers; another seed others; the timings are a bus stop’s', () => {
  const a = planStopVisit({ boardings: 10, alightings: 10, seed: 5 });
  assert.equal(planStopVisit({ boardings: 10, alightings: 10, seed: 5 }), a);
  assert.not.equal(planStopVisit({ boardings: 10, alightings: 10, seed: 6 }).edges, a.edges);
  assert.ok(a.durationMs > 10_000 && a.durationMs < 60_000, `20 passengers in ${a.durationMs} ms`);
  for (let i = 1; i < a.edges.length; i++) assert.ok(a.edges[i]!.at >= a.edges[i - 1]!.at, 'edges out of time order');
  assert.throws(() => planStopVisit({ boardings: -1, alightings: 0 }), RangeError);
});

sim('many seeds, many tailgaters: the counts are still exact', async () => {
  let tailgates = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { time, counter } = await simulatedDoors([1]);
    const plan = counter.simulateStop({ door: 1, boardings: 8, alightings: 8, seed, tailgateRate: 0.7 });
    tailgates += plan.tailgates;
    time.advance(plan.durationMs);
    assert.equal(counter.counts(), [{ door: 1, boardings: 8, alightings: 8 }], `seed ${seed}`);
    await counter.stop();
  }
  assert.ok(tailgates > 20, `only ${tailgates} close followers in 40 visits`);
});

sim('stop() during a visit ends it: no timers, the door found clear at the next start', async () => {
  const { time, counter } = await simulatedDoors();
  const plan = counter.simulateStop({ door: 1, boardings: 20, alightings: 0, seed: 9 });
  time.advance(plan.durationMs / 2);
  assert.throws(() => counter.simulateStop({ door: 1, boardings: 1, alightings: 0 }), /under way/);
  await counter.stop();
  assert.is(time.pending(), 0);
  assert.equal(counter.visiting, []);
  assert.equal(counter.beams(1), { a: false, b: false });
  const counted = counter.counts()[0]!.boardings;
  assert.ok(counted > 0 && counted < 20, `${counted} of 20 counted before the stop`);
  await counter.start();
  assert.is(counter.health().status, 'ok');
  await counter.stop();
});

sim('createDoorCounter picks the driver by kind, and refuses a kind or door it does not know', () => {
  const counters: DoorCounter[] = [createDoorCounter({ kind: 'gpio', doors: pinsOf([1]) }), createDoorCounter({ kind: 'simulated' })];
  assert.ok(counters[0] instanceof GpioDoorCounter);
  assert.ok(counters[1] instanceof SimulatedDoorCounter);
  assert.equal(counters[1]!.doors, [1, 2]);
  assert.throws(() => createDoorCounter({ kind: 'i2c' } as never), /unknown door counter kind: "i2c"/);
  const sim = createDoorCounter({ kind: 'simulated', doors: [3, 1] });
  assert.equal(sim.doors, [1, 3]);
  assert.throws(() => sim.setBeam(2, 'a', true), RangeError);
  assert.throws(() => sim.setBeam(1, 'c' as Beam, true), RangeError);
  assert.throws(() => createDoorCounter({ kind: 'simulated', doors: [1, 1] }), RangeError);
});

sim.run();
