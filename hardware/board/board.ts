/**
 * The board the agent runs on: its health for the heartbeat and the serial that tells it apart
 * from every other board (a cloned SD card keeps the data, not the serial).
 *
 * How a hardware class is laid out (this folder is the first; GNSS, doors, e-paper, signs and
 * loops follow it), in the spirit of node-serialport's stream/binding split and
 * aedes-persistence's abstract tests:
 *
 *   hardware/<class>/<class>.ts   the interface (small, typed, in domain terms), the config type
 *                                 (`kind` picks the driver, plus that driver's options) and one
 *                                 `create<Class>(config)` that picks: the only import the agent needs.
 *   hardware/<class>/<real>.ts    the real driver (here linux.ts). Every path, port or transport is
 *                                 injectable, so tests run it over fake files, a pty or a fake bus.
 *   hardware/<class>/simulated.ts a simulated device whose readings a test or the demo town sets.
 *   hardware/<class>/contract.ts  `<class>Contract(name, factory)`: the uvu tests every driver must
 *                                 pass, given a small setup; test/hardware/<class>.test.ts runs it on
 *                                 the real driver (over fakes) and on the simulated one.
 *
 * Constructors do no I/O; a source that is missing or unreadable leaves its field out, never throws.
 * Imports protocols/ only.
 */
import type { Health } from '../../protocols/index.js';
import { LinuxBoard, type LinuxBoardOptions } from './linux.js';
import { SimulatedBoard, type SimulatedBoardOptions } from './simulated.js';

export interface Board {
  /**
   * The board's health now, read anew on every call: load, memory and uptime always; free disk
   * under the data directory when it exists; SoC temperature when the board has a readable sensor.
   * A field whose source is missing or unreadable is absent (not undefined, not 0). Never throws.
   * Returns a fresh object the caller may keep or change.
   */
  health(): Health;
  /**
   * What identifies this board: non-empty, the same on every call (the SoC serial where there is
   * one, else something stable the OS keeps). Never throws.
   */
  serial(): string;
}

/** The real board, read from the Linux kernel and OS files (Raspberry Pi or any other Linux). */
export interface LinuxBoardConfig extends LinuxBoardOptions {
  kind: 'linux';
}

/** A board whose readings are set by a test or the demo town (`createBoard(…).set({ temperatureC: 71 })`). */
export interface SimulatedBoardConfig extends SimulatedBoardOptions {
  kind: 'simulated';
}

export type BoardConfig = LinuxBoardConfig | SimulatedBoardConfig;
export type BoardKind = BoardConfig['kind'];

/** The board named by `config.kind`. Does no I/O: the first reading happens on the first call. */
export function createBoard(config: SimulatedBoardConfig): SimulatedBoard;
export function createBoard(config: LinuxBoardConfig): LinuxBoard;
export function createBoard(config: BoardConfig): Board;
export function createBoard(config: BoardConfig): Board {
  switch (config.kind) {
    case 'linux':
      return new LinuxBoard(config);
    case 'simulated':
      return new SimulatedBoard(config);
    default: {
      const kind: never = config;
      throw new TypeError(`unknown board kind: ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
    }
  }
}

export { LinuxBoard, SimulatedBoard };
export type { LinuxBoardOptions, SimulatedBoardOptions };
export type { SimulatedBoardState } from './simulated.js';
