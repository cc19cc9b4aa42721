/**
 * What every button driver shares: a `ButtonLine` (the only part a driver writes: open the line,
 * report its level changes, close it) feeding one PressDebouncer, one timer for the debounce, the
 * listeners, the fault and the counts.
 *
 * Nothing here throws at a caller from a callback: a listener that throws, a line that fails to
 * read and a bug in a timer are caught, counted in health() and logged (the door class's
 * door/caught.ts, as the door counter does).
 */
import { systemClock, type Clock, type Logger } from '../../protocols/index.js';
import { CaughtErrors, describe, Listeners } from '../door/caught.js';
import { systemTimers, type DoorTimers } from '../door/time.js';
import type { ButtonHealth, ButtonOptions, ButtonPress, PushButton } from './button.js';
import { PressDebouncer } from './debounce.js';

export const DEFAULT_DEBOUNCE_MS = 50;

/** Where a driver reports its line. Never throws. */
export interface ButtonSink {
  /** The line reads `pressed` now (or at monotonic `at`). Repeats are fine. Clears a line fault. */
  level(pressed: boolean, at?: number): void;
  /** The line could not be read (or its board went away): a fault until the next good reading. */
  error(err: unknown): void;
}

/** A driver's line: a GPIO line, a Firmata board's pin, a simulated contact. */
export interface ButtonLine {
  /** Opens the line, reports to `sink` from now on, resolves with its level now. On failure releases what it opened and rejects. */
  open(sink: ButtonSink): Promise<boolean>;
  /** Releases every watcher and line; reports nothing more. Never rejects. */
  close(): Promise<void>;
}

export class LineButton implements PushButton {
  readonly #line: ButtonLine;
  readonly #what: string;
  readonly #clock: Clock;
  readonly #timers: DoorTimers;
  readonly #log: Logger | undefined;
  readonly #debouncer: PressDebouncer;
  readonly #errors: CaughtErrors;
  readonly #listeners: Listeners<ButtonPress>;
  #running = false;
  #starting: Promise<void> | null = null;
  #timer: unknown = null;
  #fault: string | null = null;

  constructor(line: ButtonLine, options: ButtonOptions, what: string) {
    this.#line = line;
    this.#what = what;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#log = options.log;
    this.#debouncer = new PressDebouncer(options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.#errors = new CaughtErrors(options.log);
    this.#listeners = new Listeners(this.#errors, 'a press listener');
  }

  protected get clock(): Clock {
    return this.#clock;
  }

  protected get timers(): DoorTimers {
    return this.#timers;
  }

  get running(): boolean {
    return this.#running;
  }

  get pressed(): boolean {
    return this.#running && this.#debouncer.pressed;
  }

  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#starting ??= this.#open().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const sink: ButtonSink = { level: (pressed, at) => this.#level(pressed, at), error: (err) => this.#lineError(err) };
    let pressed: boolean;
    try {
      pressed = await this.#line.open(sink);
    } catch (err) {
      await this.#line.close().catch(() => undefined);
      throw err;
    }
    this.#debouncer.prime(pressed, this.#clock.mono());
    this.#fault = null;
    this.#running = true;
  }

  async stop(): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (!this.#running) return;
    this.#running = false;
    this.#clearTimer();
    try {
      await this.#line.close();
    } catch (err) {
      this.#errors.record('closing the line', err);
    }
  }

  onPress(listener: (press: ButtonPress) => void): () => void {
    return this.#listeners.add(listener);
  }

  health(): ButtonHealth {
    const health: ButtonHealth = {
      status: !this.#running ? 'stopped' : this.#fault !== null ? 'fault' : 'ok',
      ...this.#debouncer.stats,
      errors: this.#errors.count,
    };
    if (this.#running && this.#fault !== null) health.fault = this.#fault;
    if (this.#errors.last !== undefined) health.lastError = this.#errors.last;
    return health;
  }

  #level(pressed: boolean, at?: number): void {
    if (!this.#running) return;
    this.#guard(() => {
      if (this.#fault !== null) {
        this.#log?.info(`${this.#what}: line readable again`);
        this.#fault = null;
      }
      const now = this.#clock.mono();
      this.#tell(this.#debouncer.feed(pressed === true, at ?? now));
      this.#tell(this.#debouncer.advance(now));
    });
    this.#schedule();
  }

  #lineError(err: unknown): void {
    if (!this.#running) return;
    this.#errors.record(`${this.#what}: read failed`, err);
    this.#fault = `read failed: ${describe(err)}`.slice(0, 500);
  }

  #tick = (): void => {
    this.#timer = null;
    if (!this.#running) return;
    this.#guard(() => this.#tell(this.#debouncer.advance(this.#clock.mono())));
    this.#schedule();
  };

  #schedule(): void {
    this.#clearTimer();
    const due = this.#debouncer.nextDeadline();
    if (!this.#running || due === null) return;
    this.#timer = this.#timers.setTimeout(this.#tick, Math.max(0, Math.ceil(due - this.#clock.mono())));
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #tell(presses: number[]): void {
    for (const at of presses) this.#listeners.tell({ at: Math.round(this.#clock.now() - (this.#clock.mono() - at)) });
  }

  #guard(work: () => void): void {
    this.#errors.guard(this.#what, work);
  }
}
