/**
 * What a hardware class does with a fault it must not throw at its caller (a listener that throws,
 * a line that fails to read, a bug in a timer): count it, keep the last for health(), log it. And
 * its listeners, each told through that guard, so one faulty listener neither stops the others nor
 * reaches the driver's callback. Shared by every edge driver (driver.ts: the door counter, the
 * loop detector, the button), as their time is (time.ts).
 */
import type { Logger } from '../../protocols/index.js';

/** The errors caught so far: how many, the last (for health()), each logged. */
export class CaughtErrors {
  readonly #log: Logger | undefined;
  #count = 0;
  #last: string | undefined;

  constructor(log: Logger | undefined) {
    this.#log = log;
  }

  get count(): number {
    return this.#count;
  }

  /** "what: message" of the last one (at most 500 characters), or undefined. */
  get last(): string | undefined {
    return this.#last;
  }

  /** Runs `work`; what it throws is recorded as `what`, not thrown. */
  guard(what: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.record(what, err);
    }
  }

  record(what: string, err: unknown): void {
    this.#count++;
    this.#last = `${what}: ${describe(err)}`.slice(0, 500);
    try {
      this.#log?.error(what, { error: describe(err), stack: err instanceof Error ? err.stack : undefined });
    } catch {
      // a logger that throws is not our caller's problem either
    }
  }
}

/** Listeners of one kind of event, each told a copy, each guarded by `errors` as `what`. */
export class Listeners<T extends object> {
  readonly #listeners = new Set<(event: T) => void>();
  readonly #errors: CaughtErrors;
  readonly #what: string;

  constructor(errors: CaughtErrors, what: string) {
    this.#errors = errors;
    this.#what = what;
  }

  /** Adds `listener`; returns what removes it. */
  add(listener: (event: T) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  tell(event: T): void {
    for (const listener of [...this.#listeners]) this.#errors.guard(this.#what, () => listener({ ...event }));
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
