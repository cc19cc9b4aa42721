/**
 * The faults a driver has raised and not yet cleared, each once (by its place and kind), each
 * change logged and told to the fault listeners with its wall-clock time. Shared by the door
 * counter (a door's beam) and the loop detector (a lane's loop), which differ only in the place.
 */
import type { Clock, Logger } from '../../protocols/index.js';
import { Listeners, type CaughtErrors } from './caught.js';

/** What a fault carries besides its place. */
export interface FaultBase {
  kind: string;
  /** Wall-clock ms since when. */
  since: number;
  message: string;
}

/** A fault's place and kind: what raises and clears it. */
export type FaultId<F extends FaultBase> = Omit<F, 'since' | 'message'>;

/** A fault raised or cleared. */
export type FaultChange<F extends FaultBase> = F & { state: 'raised' | 'cleared'; at: number };

/** How a driver names a fault's place. */
export interface FaultPlaces<F extends FaultBase> {
  /** One string per place and kind. */
  key(id: FaultId<F>): string;
  /** The place as logged, `door 2`, and the rest of it as log details, `{ beam: 'a' }`. */
  name(id: FaultId<F>): { place: string; details: Record<string, unknown> };
}

export class FaultBook<F extends FaultBase> {
  readonly #faults = new Map<string, F>();
  readonly #places: FaultPlaces<F>;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #listeners: Listeners<FaultChange<F>>;

  constructor(places: FaultPlaces<F>, clock: Clock, log: Logger | undefined, errors: CaughtErrors) {
    this.#places = places;
    this.#clock = clock;
    this.#log = log;
    this.#listeners = new Listeners(errors, 'a fault listener');
  }

  /** Adds a fault listener; returns what removes it. */
  onChange(listener: (event: FaultChange<F>) => void): () => void {
    return this.#listeners.add(listener);
  }

  has(id: FaultId<F>): boolean {
    return this.#faults.has(this.#places.key(id));
  }

  /** Copies of the faults raised now, in the order raised. */
  list(): F[] {
    return [...this.#faults.values()].map((f) => ({ ...f }));
  }

  /** Raises `fault` unless one of its place and kind is up already. */
  raise(fault: F): void {
    const k = this.#places.key(fault);
    if (this.#faults.has(k)) return;
    this.#faults.set(k, fault);
    const { place, details } = this.#places.name(fault);
    this.#log?.warn(`${place}: ${fault.kind}`, { ...details, message: fault.message });
    this.#listeners.tell({ ...fault, state: 'raised', at: this.#clock.now() });
  }

  /** Clears the fault of `id`'s place and kind, if raised. */
  clear(id: FaultId<F>): void {
    const k = this.#places.key(id);
    const fault = this.#faults.get(k);
    if (!fault) return;
    this.#faults.delete(k);
    const { place, details } = this.#places.name(id);
    this.#log?.info(`${place}: ${id.kind} cleared`, details);
    this.#listeners.tell({ ...fault, state: 'cleared', at: this.#clock.now() });
  }
}
