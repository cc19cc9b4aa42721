/**
 * What every EpaperPanel must do, as uvu tests (aedes-persistence's `abstract.js` style): a
 * driver's test file runs them in one line, `epaperContract('simulated', factory)`.
 *
 * Every panel here ends at the UC8179 emulator (the simulated one is built on it; the real driver
 * runs over the fake transport), so the factory returns the panel with the chip and the transport
 * behind it: the tests read the glass and the chip's complaints, keep BUSY low, and make the next
 * SPI or GPIO access fail. `now()` is the panel's clock, on which the BUSY bound is measured.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EPAPER_FRAME_BYTES, EPAPER_ROW_BYTES, EpaperFault, type EpaperFaultKind, type EpaperPanel, type PanelWindow } from './epaper.js';
import type { Uc8179 } from './emulator.js';
import type { EmulatedTransport } from './fake-transport.js';
import { cutWindow, pasteWindow } from './window.js';

export interface EpaperSetup {
  /** The bound on BUSY the panel must keep, panel ms. */
  busyTimeoutMs: number;
  /** What the chip's sensor reads. */
  temperatureC: number;
}

export interface EpaperUnderTest {
  panel: EpaperPanel;
  emulator: Uc8179;
  transport: EmulatedTransport;
  /** The panel's clock, ms. */
  now(): number;
}

export type EpaperFactory = (setup: EpaperSetup) => EpaperUnderTest | Promise<EpaperUnderTest>;

const SETUP: EpaperSetup = { busyTimeoutMs: 5000, temperatureC: 23.5 };
/** A real-time bound on any one test step, so a driver that never gives up fails instead of hanging. */
const STEP_REAL_MS = 10_000;

/** A frame with a pattern no two seeds share: stripes, a box, a diagonal. */
export function patternFrame(seed: number): Uint8Array {
  const f = new Uint8Array(EPAPER_FRAME_BYTES);
  for (let y = 0; y < 480; y++) {
    for (let c = 0; c < EPAPER_ROW_BYTES; c++) f[y * EPAPER_ROW_BYTES + c] = ((y * 7 + c * 13 + seed * 31) & 0xff) ^ (y % (seed + 2) === 0 ? 0xff : 0);
  }
  return f;
}

async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${STEP_REAL_MS} ms`)), STEP_REAL_MS);
  });
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function fault(p: Promise<unknown>, kind: EpaperFaultKind, what: string): Promise<EpaperFault> {
  try {
    await within(p, what);
  } catch (err) {
    assert.instance(err, EpaperFault, `${what}: ${String(err)}`);
    assert.is((err as EpaperFault).kind, kind, `${what}: ${(err as Error).message}`);
    return err as EpaperFault;
  }
  assert.unreachable(`${what} did not fail`);
  throw new Error('unreachable');
}

function sameFrame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const i = actual.findIndex((b, n) => b !== expected[n]);
  assert.ok(i === -1 && actual.length === expected.length, `${what}: first difference at byte ${i} (row ${Math.floor(i / EPAPER_ROW_BYTES)}): ${actual[i]} ≠ ${expected[i]}`);
}

export function epaperContract(name: string, factory: EpaperFactory): void {
  const test = suite(`e-paper contract: ${name}`);

  async function withPanel(run: (dut: EpaperUnderTest) => Promise<void>, over: Partial<EpaperSetup> = {}): Promise<void> {
    const dut = await factory({ ...SETUP, ...over });
    try {
      await run(dut);
    } finally {
      await dut.panel.close().catch(() => undefined);
    }
  }

  test('the panel is 800×480', () =>
    withPanel(async ({ panel }) => {
      assert.is(panel.width, 800);
      assert.is(panel.height, 480);
    }));

  test('a refresh before init() is a state fault, and nothing reaches the chip', () =>
    withPanel(async ({ panel, emulator }) => {
      await fault(panel.full(patternFrame(1)), 'state', 'full before init');
      await fault(panel.temperature(), 'state', 'temperature before init');
      assert.equal(emulator.commands, []);
      assert.not.ok(emulator.powered);
    }));

  test('init, then full: the glass shows the frame exactly, the chip took every byte, and the panel is asleep and unpowered', () =>
    withPanel(async ({ panel, emulator }) => {
      await within(panel.init(), 'init');
      assert.ok(emulator.powered, 'init powers the panel');
      const frame = patternFrame(2);
      const report = await within(panel.full(frame), 'full');
      assert.is(report.mode, 'full');
      assert.ok(report.ms >= 4000 * 0.9, `a full refresh takes the panel's ~4 s, reported ${report.ms} ms`);
      sameFrame(emulator.glass, frame, 'glass after full');
      assert.equal(emulator.errors, []);
      assert.equal(emulator.refreshes.map((r) => r.mode), ['full']);
      assert.ok(emulator.asleep || !emulator.powered, 'deep sleep after the refresh');
      assert.not.ok(emulator.powered, 'no power between refreshes');
    }));

  test('the old data of a full refresh is the frame the glass showed', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      const first = patternFrame(3);
      await panel.full(first);
      await panel.full(patternFrame(4));
      sameFrame(emulator.oldRam, first, 'old RAM (0x10) at the second full');
      sameFrame(emulator.glass, patternFrame(4), 'glass');
      assert.equal(emulator.errors, []);
    }));

  test('partial changes only the window, a window past the edge is cut there, and the report names it', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      const before = patternFrame(5);
      await panel.full(before);
      const next = patternFrame(6);
      const window: PanelWindow = { x: 80, y: 40, width: 160, height: 100 };
      const report = await within(panel.partial(next, window), 'partial');
      assert.is(report.mode, 'partial');
      assert.equal(report.window, window);
      assert.ok(report.ms < 4000 * 0.5, `a partial refresh is quick, reported ${report.ms} ms`);
      const expected = Uint8Array.from(before);
      pasteWindow(expected, window, cutWindow(next, window));
      sameFrame(emulator.glass, expected, 'glass after partial');

      const edge = await panel.partial(patternFrame(7), { x: 720, y: 400, width: 160, height: 200 });
      assert.equal(edge.window, { x: 720, y: 400, width: 80, height: 80 });
      pasteWindow(expected, edge.window!, cutWindow(patternFrame(7), edge.window!));
      sameFrame(emulator.glass, expected, 'glass after a partial at the edge');
      assert.equal(emulator.errors, []);
      assert.equal(emulator.refreshes.map((r) => r.mode), ['full', 'partial', 'partial']);
    }));

  test('a window off byte boundaries or off the panel is a RangeError naming it, and nothing is sent', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      const sent = emulator.commands.length;
      for (const w of [
        { x: 3, y: 0, width: 16, height: 8 },
        { x: 8, y: 0, width: 12, height: 8 },
        { x: 0, y: 0, width: 0, height: 8 },
        { x: 800, y: 0, width: 8, height: 8 },
        { x: 0, y: -1, width: 8, height: 8 },
        { x: 0, y: 0.5, width: 8, height: 8 },
      ]) {
        try {
          await panel.partial(patternFrame(1), w);
          assert.unreachable(`window ${JSON.stringify(w)} was accepted`);
        } catch (err) {
          assert.instance(err, RangeError, String(err));
          assert.match((err as Error).message, /window/);
        }
      }
      try {
        await panel.full(new Uint8Array(100));
        assert.unreachable('a 100-byte frame was accepted');
      } catch (err) {
        assert.instance(err, RangeError, String(err));
        assert.match((err as Error).message, /48000/);
      }
      assert.is(emulator.commands.length, sent);
    }));

  test('clear makes the glass white with a full refresh', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      await panel.full(patternFrame(8));
      const report = await within(panel.clear(), 'clear');
      assert.is(report.mode, 'clear');
      sameFrame(emulator.glass, new Uint8Array(EPAPER_FRAME_BYTES), 'glass after clear');
      assert.equal(emulator.refreshes.map((r) => r.mode), ['full', 'full']);
      assert.equal(emulator.errors, []);
    }));

  test('after sleep() a refresh wakes the panel itself; after close() it needs init() again', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      await panel.sleep();
      assert.not.ok(emulator.powered, 'sleep cuts the power');
      await panel.sleep(); // twice is fine
      await panel.full(patternFrame(9));
      sameFrame(emulator.glass, patternFrame(9), 'glass after a refresh from sleep');
      await panel.close();
      await fault(panel.full(patternFrame(10)), 'state', 'full after close');
      await panel.init();
      await panel.full(patternFrame(10));
      sameFrame(emulator.glass, patternFrame(10), 'glass after init again');
      assert.equal(emulator.errors, []);
    }));

  test('BUSY that never returns: a busy-timeout fault within the bound, the power cut, and the panel usable after init()', () =>
    withPanel(async ({ panel, emulator, now }) => {
      await panel.init();
      emulator.stuckBusy = true;
      const started = now();
      const err = await fault(panel.full(patternFrame(11)), 'busy-timeout', 'full with BUSY stuck');
      const took = now() - started;
      assert.ok(took >= SETUP.busyTimeoutMs, `gave up after ${took} ms, before the bound`);
      assert.ok(took <= SETUP.busyTimeoutMs + 1000, `gave up after ${took} ms, bound ${SETUP.busyTimeoutMs}`);
      assert.match(err.message, /BUSY/);
      assert.not.ok(emulator.powered, 'the power is cut after the fault');
      emulator.stuckBusy = false;
      await panel.init();
      await panel.full(patternFrame(12));
      sameFrame(emulator.glass, patternFrame(12), 'glass after recovering');
    }));

  test('an SPI or GPIO failure is a transport fault naming it; the panel works after init()', () =>
    withPanel(async ({ panel, emulator, transport }) => {
      await panel.init();
      transport.failNext('spi', new Error('spidev write: EIO'));
      const spi = await fault(panel.full(patternFrame(13)), 'transport', 'full with SPI failing');
      assert.match(spi.message, /EIO/);
      assert.not.ok(emulator.powered, 'the power is cut after the fault');
      transport.failNext('gpio', new Error('gpio24 value: EBUSY'));
      const gpio = await fault(panel.clear(), 'transport', 'clear with GPIO failing');
      assert.match(gpio.message, /EBUSY/);
      await panel.init();
      await panel.partial(patternFrame(14), { x: 0, y: 0, width: 800, height: 480 });
      sameFrame(emulator.glass, patternFrame(14), 'glass after recovering');
    }));

  test('refreshes asked for at once run one after the other', () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      const window = { x: 16, y: 8, width: 64, height: 32 };
      await within(Promise.all([panel.full(patternFrame(15)), panel.partial(patternFrame(16), window), panel.sleep()]), 'three at once');
      const expected = patternFrame(15);
      pasteWindow(expected, window, cutWindow(patternFrame(16), window));
      sameFrame(emulator.glass, expected, 'glass');
      assert.equal(emulator.errors, []);
    }));

  test("temperature() is the chip's sensor, read over the bus, and leaves the panel unpowered", () =>
    withPanel(async ({ panel, emulator }) => {
      await panel.init();
      await panel.sleep();
      assert.is(await panel.temperature(), SETUP.temperatureC);
      emulator.temperatureC = -7.25;
      assert.is(await panel.temperature(), -7.25);
      assert.not.ok(emulator.powered);
      assert.equal(emulator.errors, []);
    }));

  test.run();
}
