/**
 * A push button: the stop display's talking button (a passenger presses it to hear the next
 * departures read aloud).
 *
 * Laid out like hardware/door/: this file has the interface, the config (`kind` picks the driver,
 * protocols/config/hardware.ts `ButtonHardware` is its schema) and `createButton(config, context)`;
 * gpio.ts is the real driver on a Pi's header (sysfs through onoff), firmata.ts the button on a
 * sensor board's pin (johnny-five, over the shared Firmata board session), simulated.ts a button
 * pressed by a test or a press timeline (presses.ts), contract.ts the tests all pass. Every driver
 * only reports the line's level (line.ts); what is a press is one state machine (debounce.ts): a
 * held button presses once, contact bounce is ignored.
 *
 * Imports protocols/ only, and the hardware/ pieces it shares: hardware/gpio/ (the header's gpiochip
 * and the sysfs line seam), hardware/firmata/ (the reconnecting board session) and the edge drivers'
 * lifecycle and timers (hardware/common/).
 */
import path from 'node:path';
import type { Clock, Logger } from '../../protocols/index.js';
import type { Timers } from '../common/time.js';
import { FirmataButton, type FirmataButtonOptions } from './firmata.js';
import { GpioButton, type GpioButtonOptions } from './gpio.js';
import { SimulatedButton, type SimulatedButtonOptions } from './simulated.js';

/** A press: `at` is wall-clock ms when the button went down (and stayed down). */
export interface ButtonPress {
  at: number;
}

export interface ButtonHealth {
  /** 'stopped' before start() and after stop(); 'fault' while the line cannot be read (or its board is away). */
  status: 'stopped' | 'ok' | 'fault';
  /** What is wrong, while status is 'fault'. */
  fault?: string;
  /** Presses since creation. */
  presses: number;
  /** Level changes undone within the debounce time (contact bounce, spikes), since creation. */
  bounces: number;
  /** Listener exceptions, read errors and internal errors caught (never thrown) since creation. */
  errors: number;
  lastError?: string;
}

export interface PushButton {
  /** Opens the line and starts listening; resolves once listening. Rejects (holding nothing) when the line cannot be opened. Idempotent. */
  start(): Promise<void>;
  /** Stops listening and releases every line, watcher and timer. start() listens again. Idempotent; never rejects. */
  stop(): Promise<void>;
  /** True while a started button is held (debounced). */
  readonly pressed: boolean;
  /** Calls `listener` once per press; returns the unsubscribe. A listener that throws is counted in health(), never rethrown. */
  onPress(listener: (press: ButtonPress) => void): () => void;
  health(): ButtonHealth;
}

/** What every driver takes besides its own options. */
export interface ButtonOptions {
  /** A level shorter than this is bounce (ms, default 50). */
  debounceMs?: number;
  clock?: Clock;
  timers?: Timers;
  log?: Logger;
}

export interface GpioButtonConfig extends ButtonOptions, GpioButtonOptions {
  kind: 'gpio';
}

export interface FirmataButtonConfig extends ButtonOptions, FirmataButtonOptions {
  kind: 'firmata';
}

export interface SimulatedButtonConfig extends ButtonOptions, SimulatedButtonOptions {
  kind: 'simulated';
}

export type ButtonConfig = GpioButtonConfig | FirmataButtonConfig | SimulatedButtonConfig;
export type ButtonKind = ButtonConfig['kind'];

export interface ButtonContext {
  log?: Logger;
  /** What a relative `presses` file is relative to (the config file's directory); default the working directory. */
  baseDir?: string;
  clock?: Clock;
  timers?: Timers;
}

/** The button named by `config.kind`. Checks the config (RangeError), does no I/O: start() opens the line. */
export function createButton(config: SimulatedButtonConfig, context?: ButtonContext): SimulatedButton;
export function createButton(config: GpioButtonConfig, context?: ButtonContext): GpioButton;
export function createButton(config: FirmataButtonConfig, context?: ButtonContext): FirmataButton;
export function createButton(config: ButtonConfig, context?: ButtonContext): PushButton;
export function createButton(config: ButtonConfig, context: ButtonContext = {}): PushButton {
  const shared: ButtonOptions = {
    ...(context.log ? { log: context.log } : {}),
    ...(context.clock ? { clock: context.clock } : {}),
    ...(context.timers ? { timers: context.timers } : {}),
  };
  switch (config.kind) {
    case 'gpio':
      return new GpioButton({ ...shared, ...config });
    case 'firmata':
      return new FirmataButton({ ...shared, ...config });
    case 'simulated': {
      const presses = config.presses !== undefined ? path.resolve(context.baseDir ?? '.', config.presses) : undefined;
      return new SimulatedButton({ ...shared, ...config, ...(presses !== undefined ? { presses } : {}) });
    }
    default: {
      const kind: never = config;
      throw new TypeError(`unknown button kind: ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
    }
  }
}

export { FirmataButton, GpioButton, SimulatedButton };
export type { FirmataButtonOptions, GpioButtonOptions, SimulatedButtonOptions };
export type { PressTimelineProgress } from './simulated.js';
export type { Timers as ButtonTimers } from '../common/time.js';
