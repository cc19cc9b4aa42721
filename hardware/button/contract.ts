/**
 * What every PushButton must do, as uvu tests (aedes-persistence's `abstract.js` style): a
 * driver's test file runs them in one line, `buttonContract('gpio over fake sysfs', factory)`.
 *
 * The factory gets a setup (a fresh temp dir, the debounce, and a ManualTime that is the button's
 * clock and timers) and returns the button, a way to move its contact as the hardware would see
 * it, and a count of the watchers and lines it holds. Everything runs on the manual clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualTime } from '../common/time.js';
import type { ButtonPress, PushButton } from './button.js';

export interface ButtonSetup {
  /** A fresh directory for this test's fake files, removed after the test. */
  root: string;
  /** The button's clock and timers: give both to the driver. */
  time: ManualTime;
  debounceMs: number;
}

export interface ButtonUnderTest {
  button: PushButton;
  /** Moves the contact now (true: held), as the driver's hardware would report it. */
  setPressed(pressed: boolean): void;
  /** Watchers, lines and anything else the driver holds open to hear its line (0 once stopped). */
  openWatchers(): number;
}

export type ButtonFactory = (setup: ButtonSetup) => ButtonUnderTest | Promise<ButtonUnderTest>;

const DEBOUNCE_MS = 50;

interface Rig {
  dut: ButtonUnderTest;
  button: PushButton;
  time: ManualTime;
  presses: ButtonPress[];
  /** The contact moved, then `ms` of time. */
  step(pressed: boolean, ms: number): void;
  /** A clean press: down for `holdMs`, then up and settled. */
  tap(holdMs?: number): void;
}

export function buttonContract(name: string, factory: ButtonFactory): void {
  const test = suite(`button contract: ${name}`);

  async function withButton(run: (r: Rig) => void | Promise<void>, options: { start?: boolean; before?: (dut: ButtonUnderTest) => void } = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-button-'));
    const time = new ManualTime();
    let button: PushButton | undefined;
    try {
      const dut = await factory({ root, time, debounceMs: DEBOUNCE_MS });
      button = dut.button;
      const r: Rig = {
        dut,
        button,
        time,
        presses: [],
        step(pressed, ms) {
          dut.setPressed(pressed);
          time.advance(ms);
        },
        tap(holdMs = 200) {
          r.step(true, holdMs);
          r.step(false, 200);
        },
      };
      button.onPress((p) => r.presses.push(p));
      options.before?.(dut);
      if (options.start !== false) await button.start();
      await run(r);
    } finally {
      await button?.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  test('stopped before start, ok once started; not pressed', () =>
    withButton(
      async ({ button }) => {
        assert.is(button.health().status, 'stopped');
        assert.is(button.pressed, false);
        await button.start();
        await button.start();
        assert.is(button.health().status, 'ok');
        assert.is(button.pressed, false);
        assert.equal(button.health().presses, 0);
      },
      { start: false },
    ));

  test('a press is told once, dated when the button went down, and counted', () =>
    withButton(({ button, time, presses, step }) => {
      const down = time.now();
      step(true, 20);
      assert.is(presses.length, 0, 'told before the debounce time had passed');
      time.advance(DEBOUNCE_MS);
      assert.is(presses.length, 1);
      assert.is(presses[0]!.at, down);
      assert.is(button.pressed, true);
      step(false, 200);
      assert.is(button.pressed, false);
      assert.is(presses.length, 1);
      assert.is(button.health().presses, 1);
    }));

  test('a button held for a minute presses once; released and pressed again, twice', () =>
    withButton(({ button, presses, step, tap }) => {
      step(true, 60_000);
      assert.is(presses.length, 1);
      assert.is(button.pressed, true);
      step(false, 300);
      tap();
      assert.is(presses.length, 2);
      assert.ok(presses[1]!.at > presses[0]!.at);
    }));

  test('contact bounce on press and on release is one press; the bounces are counted', () =>
    withButton(({ button, presses, step }) => {
      for (const level of [true, false, true, false, true]) step(level, 3);
      step(true, 500); // a repeated reading of the same level changes nothing
      assert.is(presses.length, 1);
      for (const level of [false, true, false, true, false]) step(level, 4);
      step(false, 500);
      assert.is(presses.length, 1);
      assert.is(button.pressed, false);
      assert.ok(button.health().bounces >= 4, `bounces: ${button.health().bounces}`);
    }));

  test('a spike shorter than the debounce is no press', () =>
    withButton(({ presses, step }) => {
      step(true, 10);
      step(false, 500);
      step(true, DEBOUNCE_MS - 1);
      step(false, 500);
      assert.is(presses.length, 0);
    }));

  test('a button already held when listening starts is no press until let go and pressed again', () =>
    withButton(
      ({ button, presses, step, tap }) => {
        assert.is(button.pressed, true);
        step(true, 5000);
        assert.is(presses.length, 0);
        step(false, 300);
        tap();
        assert.is(presses.length, 1);
      },
      { before: (dut) => dut.setPressed(true) },
    ));

  test('a listener that throws is counted, the others are still told; unsubscribe stops the telling', () =>
    withButton(({ button, tap }) => {
      let told = 0;
      button.onPress(() => {
        throw new Error('listener bug');
      });
      const off = button.onPress(() => told++);
      tap();
      assert.is(told, 1);
      assert.is(button.health().errors, 1);
      assert.match(button.health().lastError ?? '', /listener bug/);
      off();
      tap();
      assert.is(told, 1);
      assert.is(button.health().presses, 2);
    }));

  test('stop() releases every line and timer, mid-press too; presses meanwhile are not told; start() listens again', () =>
    withButton(async ({ dut, button, time, presses, step, tap }) => {
      assert.ok(dut.openWatchers() > 0, 'nothing held open while listening');
      step(true, 10); // mid-debounce
      await button.stop();
      await button.stop();
      assert.is(dut.openWatchers(), 0);
      assert.is(time.pending(), 0, 'a timer left behind');
      assert.is(button.health().status, 'stopped');
      dut.setPressed(false);
      time.advance(500);
      assert.is(presses.length, 0);
      await button.start();
      tap();
      assert.is(presses.length, 1);
    }));

  test.run();
}
