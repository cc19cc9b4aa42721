/**
 * What every edge driver shares (the door counter, the loop detector, the push button): a source
 * that is the only part a driver writes (open the lines, report their edges to a sink, close
 * them), started once however often start() is called, stopped after a start under way, closed
 * on a failed open; the time it runs on (time.ts), one timer for whatever is due next, and the
 * faults it must not throw at its caller (caught.ts).
 *
 * The class decides what an edge means (counter.ts, detector.ts, line.ts); this base only runs
 * the lifecycle around it.
 */
import { systemClock, type Clock, type Logger } from '../../protocols/index.js';
import { CaughtErrors } from './caught.js';
import { systemTimers, type Timers } from './time.js';

/** A driver's lines: opened with the sink to report to, resolving with how they read now. */
export interface EdgeSource<Sink, Levels> {
  /** Opens the lines, reports to `sink` from now on, resolves with their levels now. On failure it releases what it opened and rejects. */
  open(sink: Sink): Promise<Levels>;
  /** Releases every watcher and line; reports nothing more. Never rejects. */
  close(): Promise<void>;
}

/** What every edge driver takes: the time it runs on (the system's by default) and where it logs. */
export interface EdgeDriverOptions {
  clock?: Clock;
  timers?: Timers;
  log?: Logger;
}

/**
 * One timer for the next thing due, at a monotonic time on `clock`: set() again for the same time
 * keeps it, for another replaces it. Cleared before `run` is called.
 */
export class DueTimer {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #run: () => void;
  #handle: unknown = null;
  #due = Infinity;

  constructor(clock: Clock, timers: Timers, run: () => void) {
    this.#clock = clock;
    this.#timers = timers;
    this.#run = run;
  }

  /** Runs at monotonic `due` (never when it is not finite). */
  set(due: number): void {
    if (due === this.#due) return;
    this.clear();
    if (!Number.isFinite(due)) return;
    this.#due = due;
    this.#handle = this.#timers.setTimeout(this.#fire, Math.max(0, Math.ceil(due - this.#clock.mono())));
  }

  clear(): void {
    if (this.#handle !== null) this.#timers.clearTimeout(this.#handle);
    this.#handle = null;
    this.#due = Infinity;
  }

  #fire = (): void => {
    this.#handle = null;
    this.#due = Infinity;
    this.#run();
  };
}

/**
 * The lifecycle of a driver over an EdgeSource. A subclass gives the sink, takes the levels read
 * at open (opened), starts its work once running (started) and flushes on stop (stopping).
 */
export abstract class EdgeDriver<Sink, Levels> {
  /** The errors caught so far (listeners, reads, timers), for health(). */
  protected readonly caught: CaughtErrors;
  /** The one timer; its `run` is `tick()`. */
  protected readonly dueTimer: DueTimer;
  readonly #source: EdgeSource<Sink, Levels>;
  readonly #closing: string;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #log: Logger | undefined;
  #running = false;
  #starting: Promise<void> | null = null;

  /** `closing` names what a failed close() is recorded as: 'closing the beams'. */
  constructor(source: EdgeSource<Sink, Levels>, options: EdgeDriverOptions, closing: string) {
    this.#source = source;
    this.#closing = closing;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#log = options.log;
    this.caught = new CaughtErrors(options.log);
    this.dueTimer = new DueTimer(this.#clock, this.#timers, () => this.tick());
  }

  /** The time source, for drivers that schedule their own work (simulated passengers, traffic). */
  protected get clock(): Clock {
    return this.#clock;
  }

  protected get timers(): Timers {
    return this.#timers;
  }

  protected get log(): Logger | undefined {
    return this.#log;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#starting ??= this.#open().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async stop(): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (!this.#running) return;
    this.#running = false;
    this.dueTimer.clear();
    this.stopping();
    try {
      await this.#source.close();
    } catch (err) {
      this.caught.record(this.#closing, err);
    }
  }

  /** Where the source reports, bound to this driver. */
  protected abstract sink(): Sink;

  /** The source is open and reads `levels`: set the state up (not running yet). */
  protected abstract opened(levels: Levels): void;

  /** Now running: look at what is due. */
  protected started(): void {}

  /** Stopping (the timer cleared, the source still open): flush what is pending. */
  protected stopping(): void {}

  /** The timer fired (and is cleared). */
  protected tick(): void {}

  /** Monotonic ms on our clock → wall-clock ms. */
  protected wallOf(mono: number): number {
    return Math.round(this.#clock.now() - (this.#clock.mono() - mono));
  }

  async #open(): Promise<void> {
    let levels: Levels;
    try {
      levels = await this.#source.open(this.sink());
    } catch (err) {
      await this.#source.close().catch(() => undefined);
      throw err;
    }
    this.opened(levels);
    this.#running = true;
    this.started();
  }
}
