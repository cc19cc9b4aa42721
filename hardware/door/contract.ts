/**
 * What every DoorCounter must do, as uvu tests (aedes-persistence's `abstract.js` style): a
 * driver's test file runs them in one line, `doorContract('gpio over fake sysfs', factory)`.
 *
 * The factory gets a setup (a fresh temp dir, the doors, the timings and a ManualTime that is the
 * counter's clock and timers) and returns the counter, a way to break and clear a beam as the
 * hardware would see it, and a count of the watchers and lines it holds. The tests walk people
 * through the doors edge by edge on the manual clock, so they run in milliseconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApcDoorCount } from '../../protocols/index.js';
import type { Beam, Direction } from './beams.js';
import type { DoorCounter, DoorCrossing, DoorFaultEvent } from './door.js';
import { ManualTime } from '../common/time.js';

export interface DoorSetup {
  /** A fresh directory for this test's fake files, removed after the test. */
  root: string;
  /** Door numbers to count. */
  doors: number[];
  /** The counter's clock and timers: give both to the driver. */
  time: ManualTime;
  debounceMs: number;
  reorderMs: number;
  stallMs: number;
  stuckMs: number;
}

export interface DoorUnderTest {
  counter: DoorCounter;
  /** Breaks (true) or clears (false) a beam now, as the driver's hardware would report it. */
  setBeam(door: number, beam: Beam, broken: boolean): void;
  /** Watchers, lines and anything else the driver holds open to hear its beams (0 once stopped). */
  openWatchers(): number;
}

export type DoorFactory = (setup: DoorSetup) => DoorUnderTest | Promise<DoorUnderTest>;

const TIMINGS = { debounceMs: 30, reorderMs: 10, stallMs: 2000, stuckMs: 20_000 };
/** Long enough after an edge for the counter to have applied it (debounce + reorder, with room). */
const SETTLE_MS = 100;

interface Door {
  dut: DoorUnderTest;
  counter: DoorCounter;
  time: ManualTime;
  crossings: DoorCrossing[];
  faults: DoorFaultEvent[];
  /** One body through `door`: near beam, far beam, near clears, far clears (a normal pace). */
  walk(door: number, direction: Direction, options?: { pauseMs?: number }): void;
  /** A beam edge, then `ms` of time. */
  step(door: number, beam: Beam, broken: boolean, ms: number): void;
  diagnostics(door: number): { aborted: number; reversed: number; flickers: number; stalls: number };
}

export function doorContract(name: string, factory: DoorFactory): void {
  const test = suite(`door contract: ${name}`);

  async function withDoor(run: (d: Door, setup: DoorSetup) => void | Promise<void>, options: { start?: boolean } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-door-'));
    const setup: DoorSetup = { root, doors: [1, 2], time: new ManualTime(), ...TIMINGS };
    let counter: DoorCounter | undefined;
    try {
      const dut = await factory(setup);
      counter = dut.counter;
      const time = setup.time;
      const d: Door = {
        dut,
        counter,
        time,
        crossings: [],
        faults: [],
        step(door, beam, broken, ms) {
          dut.setBeam(door, beam, broken);
          time.advance(ms);
        },
        walk(door, direction, { pauseMs = 0 } = {}) {
          const [near, far]: Beam[] = direction === 'in' ? ['a', 'b'] : ['b', 'a'];
          d.step(door, near!, true, 120);
          d.step(door, far!, true, 180 + pauseMs);
          d.step(door, near!, false, 120);
          d.step(door, far!, false, 400);
        },
        diagnostics(door) {
          const found = d.counter.health().doors.find((x) => x.door === door);
          assert.ok(found, `health() has no diagnostics for door ${door}`);
          return found!;
        },
      };
      counter.onCrossing((c) => d.crossings.push(c));
      counter.onFault((f) => d.faults.push(f));
      if (options.start !== false) await counter.start();
      await run(d, setup);
    } finally {
      await counter?.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  const totals = (counter: DoorCounter) => counter.counts().map((c) => [c.door, c.boardings, c.alightings]);

  test('before any crossing: every door at zero, ascending, each a valid ApcDoorCount; stopped, then ok', () =>
    withDoor(
      async ({ counter }) => {
        assert.is(counter.health().status, 'stopped');
        assert.equal(totals(counter), [[1, 0, 0], [2, 0, 0]]);
        await counter.start();
        assert.is(counter.health().status, 'ok');
        assert.equal(counter.health().faults, []);
        for (const c of counter.counts()) assert.ok(ApcDoorCount.safeParse(c).success, JSON.stringify(c));
        assert.equal(counter.doors, [1, 2]);
      },
      { start: false },
    ));

  test('boardings and alightings are counted per door, each crossing told once with its door, direction and time', () =>
    withDoor(({ counter, time, walk, crossings }) => {
      const from = time.now();
      walk(1, 'in');
      walk(1, 'in');
      walk(1, 'out');
      walk(2, 'out');
      walk(2, 'out');
      walk(2, 'in');
      walk(2, 'out');
      assert.equal(totals(counter), [[1, 2, 1], [2, 1, 3]]);
      assert.equal(
        crossings.map((c) => `${c.door}${c.direction}`),
        ['1in', '1in', '1out', '2out', '2out', '2in', '2out'],
      );
      for (const c of crossings) assert.ok(c.at >= from && c.at <= time.now(), `crossing at ${c.at} outside ${from}…${time.now()}`);
      for (let i = 1; i < crossings.length; i++) assert.ok(crossings[i]!.at > crossings[i - 1]!.at, 'crossings out of order');
    }));

  test('someone who looks in and steps back, and someone who turns round between the beams, count nothing', () =>
    withDoor(({ counter, step, walk, diagnostics }) => {
      step(1, 'a', true, 400);
      step(1, 'a', false, 300); // A only: looked in
      step(1, 'b', true, 300);
      step(1, 'b', false, 300); // B only: from inside, stepped back
      step(1, 'a', true, 120);
      step(1, 'b', true, 200);
      step(1, 'b', false, 120);
      step(1, 'a', false, 300); // reached B, went back out
      assert.equal(totals(counter), [[1, 0, 0], [2, 0, 0]]);
      assert.is(diagnostics(1).aborted, 2);
      assert.is(diagnostics(1).reversed, 1);
      walk(1, 'in');
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
    }));

  test('a flicker shorter than the debounce is ignored, alone or inside a crossing', () =>
    withDoor(({ counter, step, diagnostics, crossings }) => {
      step(1, 'a', true, 10);
      step(1, 'a', false, 300); // a strap across A for 10 ms
      step(1, 'b', true, 5);
      step(1, 'b', false, 300);
      step(1, 'a', true, 120); // a boarding with a gap between arm and body on A
      step(1, 'b', true, 40);
      step(1, 'a', false, 8);
      step(1, 'a', true, 130);
      step(1, 'a', false, 120);
      step(1, 'b', false, SETTLE_MS);
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
      assert.is(crossings.length, 1);
      assert.is(diagnostics(1).flickers, 3);
      assert.is(diagnostics(1).aborted, 0);
    }));

  test('two people back to back are two crossings, also when the second breaks A before the first clears B', () =>
    withDoor(({ counter, step, walk }) => {
      walk(1, 'in');
      walk(1, 'in');
      step(2, 'a', true, 120); // first
      step(2, 'b', true, 150);
      step(2, 'a', false, 80);
      step(2, 'a', true, 60); // second, close behind
      step(2, 'b', false, 90);
      step(2, 'b', true, 150);
      step(2, 'a', false, 120);
      step(2, 'b', false, SETTLE_MS);
      assert.equal(totals(counter), [[1, 2, 0], [2, 2, 0]]);
    }));

  test('someone standing in the door is one crossing, resolved by the beam that clears last', () =>
    withDoor(({ counter, walk, step, diagnostics }) => {
      walk(1, 'in', { pauseMs: 6000 });
      walk(2, 'out', { pauseMs: 4000 });
      // Sways while standing: B clears and breaks again, A too; then steps inside.
      step(1, 'a', true, 120);
      step(1, 'b', true, 3000);
      step(1, 'b', false, 200);
      step(1, 'b', true, 1500);
      step(1, 'a', false, 300);
      step(1, 'a', true, 400);
      step(1, 'a', false, 200);
      step(1, 'b', false, SETTLE_MS);
      assert.equal(totals(counter), [[1, 2, 0], [2, 0, 1]]);
      assert.is(diagnostics(1).stalls, 2);
      assert.is(diagnostics(2).stalls, 1);
    }));

  test('a beam stuck broken raises a fault after stuckMs and clears it when the beam clears', () =>
    withDoor(({ counter, time, step, faults }, setup) => {
      step(2, 'b', true, setup.stuckMs - 1000);
      assert.is(counter.health().status, 'ok');
      time.advance(2000);
      const health = counter.health();
      assert.is(health.status, 'fault');
      assert.equal(
        health.faults.map((f) => [f.door, f.beam, f.kind]),
        [[2, 'b', 'beam-stuck']],
      );
      assert.ok(health.faults[0]!.message.length > 0);
      assert.equal(faults.map((f) => [f.door, f.beam, f.kind, f.state]), [[2, 'b', 'beam-stuck', 'raised']]);
      time.advance(60_000);
      assert.is(faults.length, 1, 'a fault is raised once, not again while it lasts');
      step(2, 'b', false, SETTLE_MS);
      assert.is(counter.health().status, 'ok');
      assert.equal(counter.health().faults, []);
      assert.equal(faults.map((f) => f.state), ['raised', 'cleared']);
      assert.equal(totals(counter), [[1, 0, 0], [2, 0, 0]]);
    }));

  test('stop() leaves no timer or watcher behind, counts nothing more, keeps the counts; start() counts on', () =>
    withDoor(async ({ dut, counter, time, walk, step }) => {
      walk(1, 'in');
      step(1, 'a', true, 500); // someone in the door, a stuck timer pending
      step(2, 'b', true, 5); // and an edge not yet applied
      assert.ok(time.pending() > 0);
      assert.ok(dut.openWatchers() > 0);
      await counter.stop();
      assert.is(time.pending(), 0, 'timers left after stop()');
      assert.is(dut.openWatchers(), 0, 'watchers left after stop()');
      assert.is(counter.health().status, 'stopped');
      step(1, 'a', false, 10);
      step(2, 'b', false, 10);
      walk(1, 'out');
      time.advance(60_000);
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
      await counter.stop(); // twice is fine
      await counter.start();
      await counter.start(); // so is starting twice
      walk(2, 'out');
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 1]]);
    }));

  test('reset() zeroes counts and diagnostics; a crossing under way is counted when it ends', () =>
    withDoor(({ counter, walk, step, diagnostics }) => {
      walk(1, 'in');
      walk(2, 'out');
      step(1, 'a', true, 300);
      step(1, 'a', false, 300);
      step(1, 'b', true, 120);
      step(1, 'a', true, 200);
      counter.reset();
      assert.equal(totals(counter), [[1, 0, 0], [2, 0, 0]]);
      assert.equal(diagnostics(1), { door: 1, aborted: 0, reversed: 0, stalls: 0, flickers: 0, late: 0 });
      step(1, 'b', false, 120);
      step(1, 'a', false, SETTLE_MS);
      assert.equal(totals(counter), [[1, 0, 1], [2, 0, 0]]);
    }));

  test('a listener that throws is counted in health(), never thrown; the others still hear; unsubscribe works', () =>
    withDoor(({ counter, walk, crossings }) => {
      const heard: DoorCrossing[] = [];
      counter.onCrossing(() => {
        throw new Error('listener bug');
      });
      const off = counter.onCrossing((c) => heard.push(c));
      walk(1, 'in');
      walk(1, 'out');
      assert.is(heard.length, 2);
      assert.is(crossings.length, 2);
      assert.is(counter.health().errors, 2);
      assert.match(counter.health().lastError ?? '', /listener bug/);
      off();
      walk(2, 'in');
      assert.is(heard.length, 2);
      assert.equal(totals(counter), [[1, 1, 1], [2, 1, 0]]);
    }));

  test('each counts() and health() is a fresh object: changing one changes nothing', () =>
    withDoor(({ counter, walk }) => {
      walk(1, 'in');
      const counts = counter.counts();
      counts[0]!.boardings = 99;
      const health = counter.health();
      health.doors[0]!.aborted = 99;
      health.faults.push({ door: 1, beam: 'a', kind: 'beam-stuck', since: 0, message: 'x' });
      assert.equal(totals(counter), [[1, 1, 0], [2, 0, 0]]);
      assert.is(counter.health().doors[0]!.aborted, 0);
      assert.equal(counter.health().faults, []);
    }));

  test.run();
}
