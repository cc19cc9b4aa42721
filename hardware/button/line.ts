/**
 * What every button driver shares: a `ButtonLine` (the only part a driver writes: open the line,
 * report its level changes, close it) feeding one PressDebouncer, one timer for the debounce, the
 * listeners, the fault and the counts.
 *
 * Nothing here throws at a caller from a callback: a listener that throws, a line that fails to
 * read and a bug in a timer are caught, counted in health() and logged (hardware/common/caught.ts,
 * as the door counter and the loop detector do). The lifecycle and the timer are every edge
 * driver's (hardware/common/driver.ts).
 */
import { describe, Listeners } from '../common/caught.js';
import { EdgeDriver, type EdgeSource } from '../common/driver.js';
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
export interface ButtonLine extends EdgeSource<ButtonSink, boolean> {
  /** Opens the line, reports to `sink` from now on, resolves with its level now. On failure releases what it opened and rejects. */
  open(sink: ButtonSink): Promise<boolean>;
}

export class LineButton extends EdgeDriver<ButtonSink, boolean> implements PushButton {
  readonly #what: string;
  readonly #debouncer: PressDebouncer;
  readonly #listeners: Listeners<ButtonPress>;
  #fault: string | null = null;

  constructor(line: ButtonLine, options: ButtonOptions, what: string) {
    super(line, options, 'closing the line');
    this.#what = what;
    this.#debouncer = new PressDebouncer(options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.#listeners = new Listeners(this.caught, 'a press listener');
  }

  get pressed(): boolean {
    return this.running && this.#debouncer.pressed;
  }

  protected override sink(): ButtonSink {
    return { level: (pressed, at) => this.#level(pressed, at), error: (err) => this.#lineError(err) };
  }

  protected override opened(pressed: boolean): void {
    this.#debouncer.prime(pressed, this.clock.mono());
    this.#fault = null;
  }

  onPress(listener: (press: ButtonPress) => void): () => void {
    return this.#listeners.add(listener);
  }

  health(): ButtonHealth {
    const health: ButtonHealth = {
      status: !this.running ? 'stopped' : this.#fault !== null ? 'fault' : 'ok',
      ...this.#debouncer.stats,
      errors: this.caught.count,
    };
    if (this.running && this.#fault !== null) health.fault = this.#fault;
    if (this.caught.last !== undefined) health.lastError = this.caught.last;
    return health;
  }

  #level(pressed: boolean, at?: number): void {
    if (!this.running) return;
    this.#guard(() => {
      if (this.#fault !== null) {
        this.log?.info(`${this.#what}: line readable again`);
        this.#fault = null;
      }
      const now = this.clock.mono();
      this.#tell(this.#debouncer.feed(pressed === true, at ?? now));
      this.#tell(this.#debouncer.advance(now));
    });
    this.#schedule();
  }

  #lineError(err: unknown): void {
    if (!this.running) return;
    this.caught.record(`${this.#what}: read failed`, err);
    this.#fault = `read failed: ${describe(err)}`.slice(0, 500);
  }

  protected override tick(): void {
    if (!this.running) return;
    this.#guard(() => this.#tell(this.#debouncer.advance(this.clock.mono())));
    this.#schedule();
  }

  #schedule(): void {
    this.dueTimer.clear();
    const due = this.#debouncer.nextDeadline();
    if (!this.running || due === null) return;
    this.dueTimer.set(due);
  }

  #tell(presses: number[]): void {
    for (const at of presses) this.#listeners.tell({ at: this.wallOf(at) });
  }

  #guard(work: () => void): void {
    this.caught.guard(this.#what, work);
  }
}
