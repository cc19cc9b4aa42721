/**
 * What every Board must do, as uvu tests (aedes-persistence's `abstract.js` style): a driver's
 * test file runs them in one line, `boardContract('linux over fake files', factory)`.
 *
 * The factory gets a small setup — the temperature the sensor reads (or no sensor), whether the
 * data directory exists, the serial the board's source holds (or none) — and a fresh temp dir for
 * fake files; it returns the board and a hook that changes what the sensor reads. The same
 * assertions then run on the real driver over fake files and on the simulated board.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Health } from '../../protocols/index.js';
import type { Board } from './board.js';

export interface BoardSetup {
  /** A fresh directory for this test's fake files, removed after the test. */
  root: string;
  /** The data directory whose free disk the board reports; inside `root`. */
  dataDir: string;
  /** True when `dataDir` has been created; false for a board whose data directory is not there yet. */
  dataDirExists: boolean;
  /** What the SoC sensor reads, in °C; null: the board has no (readable) sensor. */
  temperatureC: number | null;
  /** The serial as the board's own source holds it; null: no source has one (the board falls back). */
  serial: string | null;
}

export interface BoardUnderTest {
  board: Board;
  /** Make the sensor read this from now on; null: the sensor goes away. */
  setTemperature(celsius: number | null): void;
}

export type BoardFactory = (setup: BoardSetup) => BoardUnderTest | Promise<BoardUnderTest>;

/** A Raspberry Pi in its usual state: sensor at 48.312 °C ("48312" in thermal_zone0/temp). */
const PI: Omit<BoardSetup, 'root' | 'dataDir'> = { dataDirExists: true, temperatureC: 48.312, serial: '10000000abcdef' };
/** A board with nothing to read but the kernel's counters: no sensor, no data dir, no serial. */
const BARE: Omit<BoardSetup, 'root' | 'dataDir'> = { dataDirExists: false, temperatureC: null, serial: null };

/** Reported temperatures are rounded to 0.1 °C. */
const TEMPERATURE_TOLERANCE_C = 0.05 + 1e-9;

export function boardContract(name: string, factory: BoardFactory): void {
  const test = suite(`board contract: ${name}`);

  async function withBoard(over: Partial<BoardSetup>, run: (b: BoardUnderTest, setup: BoardSetup) => void | Promise<void>) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-board-'));
    const setup: BoardSetup = { root, dataDir: path.join(root, 'data'), ...PI, ...over };
    try {
      if (setup.dataDirExists) fs.mkdirSync(setup.dataDir, { recursive: true });
      await run(await factory(setup), setup);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  test('health has load, memory and uptime with their types and ranges', () =>
    withBoard({}, ({ board }) => {
      const h = board.health();
      assert.type(h.cpuLoad1, 'number');
      assert.ok(Number.isFinite(h.cpuLoad1) && h.cpuLoad1 >= 0, `cpuLoad1 ${h.cpuLoad1} is not ≥ 0`);
      assert.ok(Number.isSafeInteger(h.memTotalBytes) && h.memTotalBytes > 0, `memTotalBytes ${h.memTotalBytes}`);
      assert.ok(Number.isSafeInteger(h.memUsedBytes) && h.memUsedBytes >= 0, `memUsedBytes ${h.memUsedBytes}`);
      assert.ok(h.memUsedBytes <= h.memTotalBytes, `used ${h.memUsedBytes} above total ${h.memTotalBytes}`);
      assert.ok(Number.isFinite(h.uptimeS) && h.uptimeS >= 0, `uptimeS ${h.uptimeS} is not ≥ 0`);
    }));

  test("health is valid against the wire contract's Health schema, with every source and with none", async () => {
    for (const over of [PI, BARE]) {
      await withBoard(over, ({ board }) => {
        const h = board.health();
        const parsed = Health.safeParse(h);
        assert.ok(parsed.success, `not a Health: ${JSON.stringify(h)}`);
        assert.equal(Object.keys(h).sort(), Object.keys(parsed.data!).sort(), 'health carries fields the schema does not know');
      });
    }
  });

  test('temperature is what the sensor reads, to 0.1 °C', () =>
    withBoard({}, ({ board }, setup) => {
      const t = board.health().temperatureC;
      assert.type(t, 'number');
      assert.ok(Math.abs(t! - setup.temperatureC!) <= TEMPERATURE_TOLERANCE_C, `read ${t} °C, the sensor says ${setup.temperatureC}`);
    }));

  test('a bus stop in January: temperatures below zero are readings too', () =>
    withBoard({ temperatureC: -12.5 }, ({ board }) => {
      assert.is(board.health().temperatureC, -12.5);
    }));

  test('no sensor: temperatureC is absent, not undefined or 0, and nothing throws', () =>
    withBoard({ temperatureC: null }, ({ board }) => {
      const h = board.health();
      assert.not.ok('temperatureC' in h, `temperatureC present: ${JSON.stringify(h)}`);
    }));

  test('the sensor is read anew on every call: it warms, cools, goes away and comes back', () =>
    withBoard({}, ({ board, setTemperature }) => {
      setTemperature(71);
      assert.is(board.health().temperatureC, 71);
      setTemperature(null);
      assert.not.ok('temperatureC' in board.health());
      setTemperature(39.9);
      assert.is(board.health().temperatureC, 39.9);
    }));

  test('the data directory exists: free disk is a whole number of bytes', () =>
    withBoard({ dataDirExists: true }, ({ board }) => {
      const free = board.health().diskFreeBytes;
      assert.ok(Number.isSafeInteger(free) && free! >= 0, `diskFreeBytes ${free}`);
    }));

  test('the data directory is not there yet: diskFreeBytes is absent and nothing throws', () =>
    withBoard({ dataDirExists: false }, ({ board }) => {
      assert.not.ok('diskFreeBytes' in board.health());
    }));

  test("serial is the board's own, the same on every call", () =>
    withBoard({}, ({ board }, setup) => {
      assert.is(board.serial(), setup.serial);
      board.health();
      assert.is(board.serial(), setup.serial);
    }));

  test('no serial source: still a non-empty serial, the same on every call', () =>
    withBoard({ serial: null }, ({ board }) => {
      const first = board.serial();
      assert.type(first, 'string');
      assert.ok(first.trim().length > 0, 'empty serial');
      assert.is(board.serial(), first);
    }));

  test('nothing to read at all: health and serial answer, never throw', () =>
    withBoard(BARE, ({ board }) => {
      for (let i = 0; i < 3; i++) {
        const h = board.health();
        assert.ok(Health.safeParse(h).success);
        assert.not.ok('temperatureC' in h || 'diskFreeBytes' in h, JSON.stringify(h));
        assert.ok(board.serial().length > 0);
      }
    }));

  test("each health() is a fresh object: a caller's change does not leak into the next reading", () =>
    withBoard({}, ({ board }) => {
      const first = board.health();
      first.memTotalBytes = -1;
      first.temperatureC = 999;
      delete first.diskFreeBytes;
      const next = board.health();
      assert.ok(next.memTotalBytes > 0);
      assert.ok(next.temperatureC !== 999);
      assert.ok('diskFreeBytes' in next);
    }));

  test.run();
}
