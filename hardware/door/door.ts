/**
 * Passenger counters on a bus's doors: two infrared beams per door (A outside, B inside), counted
 * into boardings and alightings per door (protocols/streams/apc.ts carries them to the fleet).
 *
 * Laid out like hardware/board/: this file has the interface, the config (`kind` picks the driver)
 * and `createDoorCounter(config)`; gpio.ts is the real driver (sysfs GPIO through onoff on a
 * Raspberry Pi), simulated.ts a door walked through by simulated passengers, contract.ts the tests
 * all pass, firmata.ts the third driver (a sensor board's pins over Firmata, through johnny-five).
 * Every driver only delivers beam edges (a `BeamSource`, counter.ts); the counting is one state
 * machine (beams.ts), the same whatever the beams are wired to.
 *
 * Imports protocols/ only, and the hardware/ pieces the GPIO and Firmata drivers share:
 * hardware/gpio/ (the header's gpiochip, the sysfs line seam and its fake) and hardware/firmata/
 * (the reconnecting board session and the StandardFirmata emulator its tests use).
 */
import type { ApcDoorCount, Clock, Logger } from '../../protocols/index.js';
import type { Beam, BeamPairStats, Direction } from './beams.js';
import { FirmataDoorCounter, type FirmataDoorOptions } from './firmata.js';
import { GpioDoorCounter, type GpioDoorOptions } from './gpio.js';
import { SimulatedDoorCounter, type SimulatedDoorOptions } from './simulated.js';
import type { Timers } from '../common/time.js';

/** One body through one door. `at` is wall-clock ms, when the door was clear of it. */
export interface DoorCrossing {
  door: number;
  /** 'in': boarding (beam A, then B); 'out': alighting. */
  direction: Direction;
  at: number;
}

/** A door's totals since start or the last reset(): the wire's ApcDoorCount. */
export type DoorCount = ApcDoorCount;

/**
 * `beam-stuck`: broken longer than `stuckMs` (a sensor fault, dirt on the lens, or luggage left in
 * the door); cleared when the beam clears. `line-error`: the beam could not be read; cleared by
 * the next good reading.
 */
export type DoorFaultKind = 'beam-stuck' | 'line-error';

export interface DoorFault {
  door: number;
  beam: Beam;
  kind: DoorFaultKind;
  /** Wall-clock ms: when the beam broke (beam-stuck) or the read failed (line-error). */
  since: number;
  message: string;
}

export interface DoorFaultEvent extends DoorFault {
  state: 'raised' | 'cleared';
  /** Wall-clock ms of the change. */
  at: number;
}

/** What did not count, per door (since start or the last reset()). */
export interface DoorDiagnostics extends Omit<BeamPairStats, 'in' | 'out'> {
  door: number;
}

export interface DoorHealth {
  /** 'stopped' before start() and after stop(); 'fault' while any fault is raised. */
  status: 'stopped' | 'ok' | 'fault';
  /** The faults raised now, by door and beam. */
  faults: DoorFault[];
  doors: DoorDiagnostics[];
  /** Listener exceptions, line read errors and internal errors caught (never thrown) since creation. */
  errors: number;
  lastError?: string;
}

export interface DoorCounter {
  /** The door numbers counted (1 at the front), ascending. */
  readonly doors: readonly number[];
  /** Opens the beams and starts counting; resolves once counting. Rejects (and holds nothing) when the beams cannot be opened. Idempotent. */
  start(): Promise<void>;
  /**
   * Stops counting: crossings already under way and settled are counted, then every watcher and
   * timer is released. Counts stay readable; start() counts on. Idempotent; never rejects.
   */
  stop(): Promise<void>;
  /** Calls `listener` for every crossing; returns the unsubscribe. A listener that throws is counted in health(), never rethrown. */
  onCrossing(listener: (crossing: DoorCrossing) => void): () => void;
  /** Calls `listener` when a fault is raised or cleared; returns the unsubscribe. Same safety as onCrossing. */
  onFault(listener: (event: DoorFaultEvent) => void): () => void;
  /** Boardings and alightings per door, every door listed, ascending. A fresh array. */
  counts(): DoorCount[];
  /** Zeroes counts and diagnostics (a new stop visit). Faults stay while their cause does. */
  reset(): void;
  health(): DoorHealth;
}

/** What every driver takes besides its own options. */
export interface DoorCountingOptions {
  /** Beam levels shorter than this are flickers (ms, default 30). */
  debounceMs?: number;
  /** Edges of a door's two beams may arrive out of order by this much (ms, default 10). */
  reorderMs?: number;
  /** Both beams broken longer than this is a stalled crossing (ms, default 2000). */
  stallMs?: number;
  /** A beam broken longer than this raises `beam-stuck` (ms, default 60 000). */
  stuckMs?: number;
  clock?: Clock;
  timers?: Timers;
  log?: Logger;
}

/** Beams on the Pi's GPIO header, through sysfs. */
export interface GpioDoorConfig extends DoorCountingOptions, GpioDoorOptions {
  kind: 'gpio';
}

/** Doors walked through by simulated passengers (tests, the demo town). */
export interface SimulatedDoorConfig extends DoorCountingOptions, SimulatedDoorOptions {
  kind: 'simulated';
}

/** Beams on a sensor board's pins (an Arduino running StandardFirmata), on a serial port. */
export interface FirmataDoorConfig extends DoorCountingOptions, FirmataDoorOptions {
  kind: 'firmata';
}

export type DoorCounterConfig = GpioDoorConfig | FirmataDoorConfig | SimulatedDoorConfig;
export type DoorCounterKind = DoorCounterConfig['kind'];

/** The counter named by `config.kind`. Checks the config (RangeError), does no I/O: start() opens the beams. */
export function createDoorCounter(config: SimulatedDoorConfig): SimulatedDoorCounter;
export function createDoorCounter(config: GpioDoorConfig): GpioDoorCounter;
export function createDoorCounter(config: FirmataDoorConfig): FirmataDoorCounter;
export function createDoorCounter(config: DoorCounterConfig): DoorCounter;
export function createDoorCounter(config: DoorCounterConfig): DoorCounter {
  switch (config.kind) {
    case 'gpio':
      return new GpioDoorCounter(config);
    case 'firmata':
      return new FirmataDoorCounter(config);
    case 'simulated':
      return new SimulatedDoorCounter(config);
    default: {
      const kind: never = config;
      throw new TypeError(`unknown door counter kind: ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
    }
  }
}

export { FirmataDoorCounter, GpioDoorCounter, SimulatedDoorCounter };
export type { FirmataDoorOptions, GpioDoorOptions, SimulatedDoorOptions };
export type { FirmataDoorPins } from './firmata.js';
export type { FirmataPort, FirmataPortOpener } from '../firmata/link.js';
export type { Beam, BeamEdge, Crossing, Direction } from './beams.js';
export type { GpioLine, GpioLineOpener, GpioChip } from '../gpio/sysfs.js';
export type { StopVisitOptions, StopVisitPlan } from './passengers.js';
export type { Timers as DoorTimers } from '../common/time.js';
