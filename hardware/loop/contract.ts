/**
 * What every LoopDetector must do, as uvu tests (aedes-persistence's `abstract.js` style): a
 * driver's test file runs them in one line, `loopContract('gpio over fake sysfs', factory)`.
 *
 * The factory gets a setup (a fresh temp dir, the lanes, the timings and a ManualTime that is the
 * detector's clock and timers) and returns the detector, a way to cover and clear a loop as the
 * hardware would see it, and a count of the watchers and lines it holds. Vehicles are driven edge
 * by edge on the manual clock, so an hour of traffic runs in milliseconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualTime } from '../common/time.js';
import type { LaneCrossing, LoopDetector, LoopFaultEvent } from './loop.js';
import type { OpenHours } from './hours.js';
import type { Loop, LoopOrder } from './pair.js';

export interface LoopSetup {
  /** A fresh directory for this test's fake files, removed after the test. */
  root: string;
  lanes: string[];
  /** The detector's clock and timers: give both to the driver. */
  time: ManualTime;
  debounceMs: number;
  gapMs: number;
  reorderMs: number;
  stuckMs: number;
  silentMs: number;
  openHours: OpenHours;
  timeZone: string;
}

export interface LoopUnderTest {
  detector: LoopDetector;
  /** Covers (true) or clears (false) a loop now, as the driver's hardware would report it. */
  setLoop(lane: string, loop: Loop, occupied: boolean): void;
  /** Watchers, lines and anything else the driver holds open (0 once stopped). */
  openWatchers(): number;
}

export type LoopFactory = (setup: LoopSetup) => LoopUnderTest | Promise<LoopUnderTest>;

const TIMINGS = { debounceMs: 100, gapMs: 1500, reorderMs: 10, stuckMs: 300_000, silentMs: 3_600_000, openHours: { from: '06:00', to: '22:00' }, timeZone: 'Europe/Ljubljana' };
/** Long enough after the last edge for the detector to have applied it (the gap hold, with room). */
const SETTLE_MS = 2000;
/** 08:30 in Celje on a Friday. */
const MORNING = Date.UTC(2026, 10, 27, 7, 30);
/** 23:00 in Celje: closed. */
const NIGHT = Date.UTC(2026, 10, 27, 22, 0);

interface Lanes {
  dut: LoopUnderTest;
  detector: LoopDetector;
  time: ManualTime;
  crossings: LaneCrossing[];
  faults: LoopFaultEvent[];
  /** A loop edge, then `ms` of time. */
  step(lane: string, loop: Loop, occupied: boolean, ms: number): void;
  /** One car over `lane` in `order` at a parking pace, then the lane left clear to settle. */
  drive(lane: string, order: LoopOrder, options?: { stopMs?: number }): void;
  diagnostics(lane: string): { aborted: number; reversed: number; gaps: number; flickers: number };
}

export function loopContract(name: string, factory: LoopFactory): void {
  const test = suite(`loop contract: ${name}`);

  async function withLanes(run: (l: Lanes, setup: LoopSetup) => void | Promise<void>, options: { start?: boolean; wall?: number } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-loop-'));
    const setup: LoopSetup = { root, lanes: ['entry-1', 'exit-1'], time: new ManualTime(options.wall ?? MORNING), ...TIMINGS, openHours: { ...TIMINGS.openHours } };
    let detector: LoopDetector | undefined;
    try {
      const dut = await factory(setup);
      detector = dut.detector;
      const time = setup.time;
      const l: Lanes = {
        dut,
        detector,
        time,
        crossings: [],
        faults: [],
        step(lane, loop, occupied, ms) {
          dut.setLoop(lane, loop, occupied);
          time.advance(ms);
        },
        drive(lane, order, { stopMs = 0 } = {}) {
          const [near, far]: Loop[] = order === 'ab' ? ['a', 'b'] : ['b', 'a'];
          l.step(lane, near!, true, 1000);
          l.step(lane, far!, true, 1200 + stopMs);
          l.step(lane, near!, false, 1000);
          l.step(lane, far!, false, SETTLE_MS);
        },
        diagnostics(lane) {
          const found = l.detector.health().lanes.find((x) => x.lane === lane);
          assert.ok(found, `health() has no diagnostics for lane ${lane}`);
          return found!;
        },
      };
      detector.onCrossing((c) => l.crossings.push(c));
      detector.onFault((f) => l.faults.push(f));
      if (options.start !== false) await detector.start();
      await run(l, setup);
    } finally {
      await detector?.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  const told = (crossings: LaneCrossing[]) => crossings.map((c) => `${c.lane} ${c.order}`);

  test('before any vehicle: lanes in config order, stopped, then ok with no faults', () =>
    withLanes(
      async ({ detector }) => {
        assert.is(detector.health().status, 'stopped');
        assert.equal(detector.lanes, ['entry-1', 'exit-1']);
        await detector.start();
        assert.is(detector.health().status, 'ok');
        assert.equal(detector.health().faults, []);
        assert.equal(detector.health().lanes.map((x) => [x.lane, x.ab, x.ba]), [['entry-1', 0, 0], ['exit-1', 0, 0]]);
      },
      { start: false },
    ));

  test('vehicles each way are told once per lane, with lane, order and a time within the drive', () =>
    withLanes(({ time, drive, crossings, diagnostics }) => {
      const from = time.now();
      drive('entry-1', 'ab');
      drive('entry-1', 'ab');
      drive('exit-1', 'ab');
      drive('entry-1', 'ba');
      assert.equal(told(crossings), ['entry-1 ab', 'entry-1 ab', 'exit-1 ab', 'entry-1 ba']);
      for (const c of crossings) assert.ok(c.at >= from && c.at <= time.now(), `crossing at ${c.at} outside ${from}…${time.now()}`);
      for (let i = 1; i < crossings.length; i++) assert.ok(crossings[i]!.at > crossings[i - 1]!.at, 'crossings out of order');
      const entry = diagnostics('entry-1') as unknown as { ab: number; ba: number };
      assert.equal([entry.ab, entry.ba], [2, 1]);
    }));

  test('a car that noses onto A and backs off, and one that reaches B and backs out, count nothing', () =>
    withLanes(({ step, drive, crossings, diagnostics }) => {
      step('entry-1', 'a', true, 4000);
      step('entry-1', 'a', false, SETTLE_MS); // backed off A
      step('entry-1', 'a', true, 1000);
      step('entry-1', 'b', true, 3000);
      step('entry-1', 'b', false, 1000);
      step('entry-1', 'a', false, SETTLE_MS); // reached B, backed out over A
      assert.equal(crossings, []);
      assert.is(diagnostics('entry-1').aborted, 1);
      assert.is(diagnostics('entry-1').reversed, 1);
      drive('entry-1', 'ab');
      assert.equal(told(crossings), ['entry-1 ab']);
    }));

  test('a car waiting on the loops at the barrier is one vehicle, however long it waits', () =>
    withLanes(({ drive, crossings }) => {
      drive('entry-1', 'ab', { stopMs: 45_000 });
      drive('exit-1', 'ab', { stopMs: 120_000 });
      assert.equal(told(crossings), ['entry-1 ab', 'exit-1 ab']);
    }));

  test('a car towing a trailer is one vehicle: the drawbar gap on each loop is merged', () =>
    withLanes(({ step, crossings, diagnostics }) => {
      step('entry-1', 'a', true, 1000);
      step('entry-1', 'b', true, 1200);
      step('entry-1', 'a', false, 500); // drawbar over A
      step('entry-1', 'a', true, 500);
      step('entry-1', 'b', false, 400); // drawbar over B
      step('entry-1', 'b', true, 1500);
      step('entry-1', 'a', false, 1000);
      step('entry-1', 'b', false, SETTLE_MS);
      assert.equal(told(crossings), ['entry-1 ab']);
      assert.is(diagnostics('entry-1').gaps, 2);
    }));

  test('detector chatter shorter than the debounce is ignored, alone or as a car arrives', () =>
    withLanes(({ step, crossings, diagnostics }) => {
      step('exit-1', 'b', true, 30);
      step('exit-1', 'b', false, SETTLE_MS); // chatter alone
      step('exit-1', 'a', true, 40);
      step('exit-1', 'a', false, 60);
      step('exit-1', 'a', true, 1000); // chatter, then the car
      step('exit-1', 'b', true, 1200);
      step('exit-1', 'a', false, 1000);
      step('exit-1', 'b', false, SETTLE_MS);
      assert.equal(told(crossings), ['exit-1 ab']);
      assert.is(diagnostics('exit-1').flickers, 2);
      assert.is(diagnostics('exit-1').aborted, 0);
    }));

  test('a car waiting on B at the barrier and the next one pulling onto A are two vehicles', () =>
    withLanes(({ step, crossings }) => {
      step('entry-1', 'a', true, 1000);
      step('entry-1', 'b', true, 1200);
      step('entry-1', 'a', false, 8000); // the first waits on B alone
      step('entry-1', 'a', true, 5000); // the second pulls up onto A
      step('entry-1', 'b', false, 3000); // the barrier lets the first through
      step('entry-1', 'b', true, 1200);
      step('entry-1', 'a', false, 1000);
      step('entry-1', 'b', false, SETTLE_MS);
      assert.equal(told(crossings), ['entry-1 ab', 'entry-1 ab']);
    }));

  test('a loop occupied past stuckMs raises loop-stuck once and clears it when it clears', () =>
    withLanes(({ detector, time, step, faults }, setup) => {
      step('exit-1', 'b', true, setup.stuckMs - 10_000);
      assert.is(detector.health().status, 'ok');
      time.advance(20_000);
      const health = detector.health();
      assert.is(health.status, 'fault');
      assert.equal(health.faults.map((f) => [f.lane, f.loop, f.kind]), [['exit-1', 'b', 'loop-stuck']]);
      assert.match(health.faults[0]!.message, /occupied for 5 min/);
      time.advance(600_000);
      assert.equal(faults.map((f) => [f.lane, f.loop, f.kind, f.state]), [['exit-1', 'b', 'loop-stuck', 'raised']]);
      step('exit-1', 'b', false, SETTLE_MS);
      assert.is(detector.health().status, 'ok');
      assert.equal(faults.map((f) => f.state), ['raised', 'cleared']);
    }));

  test('loops silent for silentMs of opening hours raise loop-silent; their next edge clears it', () =>
    withLanes(({ detector, time, drive, faults }, setup) => {
      time.advance(setup.silentMs / 2);
      drive('entry-1', 'ab');
      time.advance(setup.silentMs / 2 + 60_000);
      assert.equal(
        detector.health().faults.map((f) => [f.lane, f.loop, f.kind]),
        [['exit-1', 'a', 'loop-silent'], ['exit-1', 'b', 'loop-silent']],
      );
      drive('exit-1', 'ab');
      assert.equal(detector.health().faults, []);
      assert.equal(faults.map((f) => `${f.lane} ${f.loop} ${f.state}`), ['exit-1 a raised', 'exit-1 b raised', 'exit-1 a cleared', 'exit-1 b cleared']);
    }));

  test('silence outside opening hours does not count: a quiet night is no fault at opening', () =>
    withLanes(
      ({ detector, time }, setup) => {
        time.advance(7 * 3_600_000); // 23:00 → 06:00, closed
        assert.equal(detector.health().faults, []);
        time.advance(setup.silentMs - 120_000); // open, not yet silentMs of it
        assert.equal(detector.health().faults, []);
        time.advance(180_000);
        assert.is(detector.health().faults.filter((f) => f.kind === 'loop-silent').length, 4);
      },
      { wall: NIGHT },
    ));

  test('stop() leaves no timer or watcher behind and tells nothing more; start() reads on', () =>
    withLanes(async ({ dut, detector, time, drive, step, crossings }) => {
      drive('entry-1', 'ab');
      step('entry-1', 'a', true, 500);
      assert.ok(time.pending() > 0);
      assert.ok(dut.openWatchers() > 0);
      await detector.stop();
      assert.is(time.pending(), 0, 'timers left after stop()');
      assert.is(dut.openWatchers(), 0, 'watchers left after stop()');
      assert.is(detector.health().status, 'stopped');
      step('entry-1', 'a', false, 10);
      drive('exit-1', 'ab');
      time.advance(3_600_000);
      assert.equal(told(crossings), ['entry-1 ab']);
      await detector.stop();
      await detector.start();
      await detector.start();
      drive('exit-1', 'ab');
      assert.equal(told(crossings), ['entry-1 ab', 'exit-1 ab']);
    }));

  test('a listener that throws is counted in health(), never thrown; the others still hear; unsubscribe works', () =>
    withLanes(({ detector, drive, crossings }) => {
      const heard: LaneCrossing[] = [];
      detector.onCrossing(() => {
        throw new Error('listener bug');
      });
      const off = detector.onCrossing((c) => heard.push(c));
      drive('entry-1', 'ab');
      drive('exit-1', 'ab');
      assert.is(heard.length, 2);
      assert.is(crossings.length, 2);
      assert.is(detector.health().errors, 2);
      assert.match(detector.health().lastError ?? '', /listener bug/);
      off();
      drive('entry-1', 'ab');
      assert.is(heard.length, 2);
      assert.is(crossings.length, 3);
    }));

  test('each health() is a fresh object: changing one changes nothing', () =>
    withLanes(({ detector, drive }) => {
      drive('entry-1', 'ab');
      const health = detector.health();
      health.lanes[0]!.ab = 99;
      health.faults.push({ lane: 'entry-1', loop: 'a', kind: 'loop-stuck', since: 0, message: 'x' });
      assert.is(detector.health().lanes[0]!.ab, 1);
      assert.equal(detector.health().faults, []);
    }));

  test.run();
}
