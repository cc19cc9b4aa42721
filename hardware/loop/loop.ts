/**
 * Vehicle counting at a car park's entries and exits: two induction loops per lane, each behind a
 * loop detector whose presence output (a relay or open collector) is one GPIO input. A vehicle's
 * passage is read from which loop it covers first (pair.ts), so a car that backs out is not
 * counted, a trailer or a car waiting at the barrier is counted once.
 *
 * Wiring — the one rule: loop A is the loop a vehicle meets first in the lane's normal direction of
 * travel, B the one it meets next. On an entry lane A is the outer loop (street side); on an exit
 * lane A is the inner loop (car-park side); on a two-way lane A is the outer loop, so `ab` is a
 * vehicle coming in and `ba` one going out. Both one-way lanes are thus wired alike (first loop met →
 * input A), and the lane's kind (`entry` | `exit` | `both`, the counter module's settings) turns
 * an order into in/out: device/modules/counter/lanes.ts.
 *
 * Laid out like hardware/door/: this file has the interface, the config (`kind` picks the driver)
 * and `createLoopDetector(config)`; gpio.ts is the real driver (sysfs GPIO through onoff, the
 * header's gpiochip base read from the system: hardware/gpio/), simulated.ts lanes driven by seeded
 * traffic (traffic.ts), contract.ts the tests both pass. Every driver only delivers loop edges (a
 * `LoopSource`, detector.ts); the reading is one state machine (pair.ts).
 */
import type { Clock, Logger } from '../../protocols/index.js';
import type { Timers } from '../common/time.js';
import { GpioLoopDetector, type GpioLoopOptions } from './gpio.js';
import type { OpenHours } from './hours.js';
import type { Loop, LoopOrder, LoopPairStats } from './pair.js';
import { SimulatedLoopDetector, type SimulatedLoopOptions } from './simulated.js';

/** One vehicle over one lane's loops. `at` is wall-clock ms, when the lane was clear of it. */
export interface LaneCrossing {
  lane: string;
  order: LoopOrder;
  at: number;
}

/**
 * `loop-stuck`: occupied longer than `stuckMs` (a parked car, a detector fault); cleared when the
 * loop clears. `loop-silent`: no edge for `silentMs` of opening hours (a cut feeder, a dead
 * detector); cleared by its next edge. `line-error`: the input could not be read; cleared by the
 * next good reading.
 */
export type LoopFaultKind = 'loop-stuck' | 'loop-silent' | 'line-error';

export interface LoopFault {
  lane: string;
  loop: Loop;
  kind: LoopFaultKind;
  /** Wall-clock ms: when the loop was covered (stuck), last heard of (silent), or failed to read. */
  since: number;
  message: string;
}

export interface LoopFaultEvent extends LoopFault {
  state: 'raised' | 'cleared';
  /** Wall-clock ms of the change. */
  at: number;
}

/** Per lane, since start: the passages each way and what was not counted. */
export interface LaneDiagnostics extends LoopPairStats {
  lane: string;
}

export interface LoopHealth {
  /** 'stopped' before start() and after stop(); 'fault' while any fault is raised. */
  status: 'stopped' | 'ok' | 'fault';
  faults: LoopFault[];
  lanes: LaneDiagnostics[];
  /** Listener exceptions, line read errors and internal errors caught (never thrown) since creation. */
  errors: number;
  lastError?: string;
}

export interface LoopDetector {
  /** The lanes read, in config order. */
  readonly lanes: readonly string[];
  /** Opens the loops' inputs and starts reading; rejects (holding nothing) when they cannot be opened. Idempotent. */
  start(): Promise<void>;
  /** Stops: passages already settled are told, then every watcher and timer is released. start() reads on. Idempotent; never rejects. */
  stop(): Promise<void>;
  /** Calls `listener` for every passage; returns the unsubscribe. A listener that throws is counted in health(), never rethrown. */
  onCrossing(listener: (crossing: LaneCrossing) => void): () => void;
  /** Calls `listener` when a fault is raised or cleared; returns the unsubscribe. */
  onFault(listener: (event: LoopFaultEvent) => void): () => void;
  /** A fresh object every call. */
  health(): LoopHealth;
}

/** What every driver takes besides its own options. */
export interface LoopReadingOptions {
  /** Occupied levels shorter than this are detector chatter (ms, default 100). */
  debounceMs?: number;
  /** Clear levels shorter than this are a gap inside one vehicle, a trailer's drawbar (ms, default 1500). */
  gapMs?: number;
  /** Edges of a lane's two loops may arrive out of order by this much (ms, default 10). */
  reorderMs?: number;
  /** A loop occupied longer than this raises `loop-stuck` (ms, default 600 000). */
  stuckMs?: number;
  /** A loop without an edge for this much opening time raises `loop-silent` (ms; default: never). */
  silentMs?: number;
  /** When silence counts (default: always). */
  openHours?: OpenHours;
  /** The time zone of `openHours` (default Europe/Ljubljana). */
  timeZone?: string;
  clock?: Clock;
  timers?: Timers;
  log?: Logger;
}

/** Loop detector outputs on the Pi's GPIO header, through sysfs. */
export interface GpioLoopConfig extends LoopReadingOptions, GpioLoopOptions {
  kind: 'gpio';
}

/** Lanes driven by simulated traffic (tests, the demo town). */
export interface SimulatedLoopConfig extends LoopReadingOptions, SimulatedLoopOptions {
  kind: 'simulated';
}

export type LoopDetectorConfig = GpioLoopConfig | SimulatedLoopConfig;

/** The detector named by `config.kind`. Checks the config (RangeError), does no I/O: start() opens the inputs. */
export function createLoopDetector(config: SimulatedLoopConfig): SimulatedLoopDetector;
export function createLoopDetector(config: GpioLoopConfig): GpioLoopDetector;
export function createLoopDetector(config: LoopDetectorConfig): LoopDetector;
export function createLoopDetector(config: LoopDetectorConfig): LoopDetector {
  switch (config.kind) {
    case 'gpio':
      return new GpioLoopDetector(config);
    case 'simulated':
      return new SimulatedLoopDetector(config);
    default: {
      const kind: never = config;
      throw new TypeError(`unknown loop detector kind: ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
    }
  }
}

export { GpioLoopDetector, SimulatedLoopDetector };
export type { GpioLoopOptions, SimulatedLoopOptions };
export type { GpioLoopLane } from './gpio.js';
export type { SimulatedLane, TrafficOptions, TrafficProgress, Manoeuvre } from './simulated.js';
export type { Loop, LoopEdge, LoopOrder, LanePassage } from './pair.js';
export type { OpenHours } from './hours.js';
