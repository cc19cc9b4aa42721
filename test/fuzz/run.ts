/**
 * Runs fuzz targets: a campaign per target keeps its own PRNG (seeded from the run's seed and the
 * target's name), so input number N of a target is the same whatever else runs or for how long.
 * Shared by the quick run inside `npm test` and the long one of `npm run fuzz`.
 */
import { type Input, Rng, seedFor } from './generate.js';
import { Broken, type FuzzTarget } from './invariants.js';

export interface Verdict {
  invariant: string;
  message: string;
}

export interface Finding extends Verdict {
  target: string;
  seed: number;
  /** Which input of the target's sequence (0-based) broke it. */
  index: number;
  input: Input;
  /** How many inputs broke the same invariant. */
  count: number;
}

/** Runs one input: null if every invariant held, else the one that broke (a throw is `threw:<Name>`). */
export function verdict(target: FuzzTarget, input: Input): Verdict | null {
  try {
    target.run(input);
    return null;
  } catch (err) {
    if (err instanceof Broken) return { invariant: err.invariant, message: err.message };
    const e = err as Error;
    return { invariant: `threw:${e?.name ?? typeof err}`, message: `${e?.message ?? String(err)}`.slice(0, 500) };
  }
}

export class Campaign {
  readonly seed: number;
  readonly #rng: Rng;
  inputs = 0;
  ms = 0;
  /** The first finding of each invariant, in the order found. */
  readonly findings: Finding[] = [];

  constructor(readonly target: FuzzTarget, seed: number) {
    this.seed = seed;
    this.#rng = new Rng(seedFor(seed, target.name));
    target.open?.();
  }

  /** Tries inputs for about `ms` milliseconds (or `maxInputs`); returns findings new in this slice. */
  runFor(ms: number, maxInputs = Infinity): Finding[] {
    const fresh: Finding[] = [];
    const start = performance.now();
    const stopAt = start + ms;
    for (let n = 0; n < maxInputs && performance.now() < stopAt; n++) {
      const input = this.target.input(this.#rng);
      const v = verdict(this.target, input);
      const index = this.inputs++;
      if (!v) continue;
      const f: Finding = { ...v, target: this.target.name, seed: this.seed, index, input, count: 1 };
      const seen = this.findings.find((x) => x.invariant === f.invariant);
      if (seen) seen.count++;
      else {
        this.findings.push(f);
        fresh.push(f);
      }
    }
    this.ms += performance.now() - start;
    return fresh;
  }

  close(): void {
    this.target.close?.();
  }
}

function size(input: Input): number {
  return typeof input === 'string' ? input.length : input.byteLength;
}

/** `input` with [at, at+n) cut out (characters for strings, bytes for buffers). */
function cut(input: Input, at: number, n: number): Input {
  return typeof input === 'string' ? input.slice(0, at) + input.slice(at + n) : Buffer.concat([input.subarray(0, at), input.subarray(at + n)]);
}

/**
 * A smaller input that still breaks the same invariant: the target's own shrink steps, else
 * chunks deleted, halving the chunk size (ddmin-like), within a time budget.
 */
export function minimise(target: FuzzTarget, input: Input, invariant: string, budgetMs = 5000): Input {
  const deadline = performance.now() + budgetMs;
  const still = (candidate: Input) => verdict(target, candidate)?.invariant === invariant;
  let best = input;
  if (target.shrink) {
    for (let progress = true; progress && performance.now() < deadline; ) {
      progress = false;
      for (const candidate of target.shrink(best)) {
        if (performance.now() > deadline) break;
        if (still(candidate)) {
          best = candidate;
          progress = true;
          break;
        }
      }
    }
    return best;
  }
  for (let chunk = Math.max(1, size(best) >> 1); chunk >= 1 && performance.now() < deadline; chunk >>= 1) {
    for (let at = 0; at < size(best) && performance.now() < deadline; ) {
      const candidate = cut(best, at, chunk);
      if (still(candidate)) best = candidate;
      else at += chunk;
    }
  }
  return best;
}

/** An input as one line of a report: printable text quoted, else hex. */
export function preview(input: Input, max = 200): string {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (typeof input !== 'string' && !Buffer.from(text).equals(input)) {
    const hex = input.subarray(0, max >> 1).toString('hex');
    return `<${input.byteLength} bytes, hex ${hex}${input.byteLength > max >> 1 ? '…' : ''}>`;
  }
  const q = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${q}… (${text.length} chars)` : q;
}
