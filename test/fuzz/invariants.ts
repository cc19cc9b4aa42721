/**
 * What a fuzz target is, and the checks its invariants are written with. A throw from `run` is a
 * finding; `Broken` names the invariant that did not hold.
 */
import type { Input, InputSource } from './generate.js';

export interface FuzzTarget {
  readonly name: string;
  /** Makes one input from this target's own PRNG. */
  input: InputSource;
  /** Runs one input and checks the invariants: any throw is a finding. */
  run(input: Input): void;
  /** Smaller variants of a failing input, for minimising (default: chunks of it deleted). */
  shrink?(input: Input): Iterable<Input>;
  /** Resources (a temp SQLite file) live from `open` to `close`. */
  open?(): void;
  close?(): void;
}

/** An invariant that does not hold: `invariant` is its short name, stable across runs. */
export class Broken extends Error {
  constructor(readonly invariant: string, message: string) {
    super(`${invariant}: ${message}`);
    this.name = 'Broken';
  }
}

export function check(ok: unknown, invariant: string, message: () => string): asserts ok {
  if (!ok) throw new Broken(invariant, message());
}

/** Equal as JSON: what a peer reading the encoding would see (undefined members do not exist). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Decoded values are plain data: ordinary objects and arrays, finite numbers; no key became a prototype. */
export function assertPlainData(value: unknown, path = '(root)'): void {
  if (typeof value === 'number') return check(Number.isFinite(value), 'plain-data', () => `${path} is ${value}, which JSON cannot carry`);
  if (typeof value !== 'object' || value === null) return;
  const proto = Object.getPrototypeOf(value);
  check(Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null, 'plain-data', () => `${path} has an unusual prototype`);
  for (const [k, v] of Object.entries(value)) assertPlainData(v, `${path}.${k}`);
}
