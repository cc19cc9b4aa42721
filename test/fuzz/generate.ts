/**
 * Fuzz inputs: a seeded PRNG and generators of hostile payloads. Mostly MUTATIONS of valid seed
 * payloads (a decoder's interesting paths are reached only by inputs that are almost right), plus
 * random bytes and random JSON. Everything is a pure function of the PRNG: same seed, same inputs.
 */
import { MAX_PAYLOAD_BYTES } from '../../protocols/index.js';

/** mulberry32 (Tommy Ettinger, public domain): 32 bits of state, plenty for picking mutations. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  u32(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }
  /** An integer in [lo, hi], log-uniform: small values as likely as big ones. */
  logInt(lo: number, hi: number): number {
    return Math.min(hi, Math.floor(Math.exp(Math.log(lo + 1) + (this.u32() / 2 ** 32) * (Math.log(hi + 1) - Math.log(lo + 1)))) - 1);
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** One seed per target, independent of the others: adding a target changes no other's inputs. */
export function seedFor(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export type Input = Buffer | string;
export type InputSource = (rng: Rng) => Input;

// ---- bytes ------------------------------------------------------------------------------------

const INTERESTING_BYTES = [0x00, 0x0a, 0x22, 0x2c, 0x3a, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc0, 0xed, 0xfe, 0xff];
/** Byte sequences that are not UTF-8: stray continuation, overlong NUL, encoded surrogate, cut-off 4-byte. */
const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xfe, 0xfe, 0xff]];

export function randomBytes(rng: Rng, max = 4096): Buffer {
  const b = Buffer.alloc(rng.logInt(0, max));
  for (let i = 0; i < b.length; i++) b[i] = rng.chance(0.3) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return b;
}

/** One byte-level mutation: bit flip, insert, delete, duplicate a range, truncate, invalid UTF-8. */
export function mutateBytes(rng: Rng, b: Buffer): Buffer {
  const at = rng.int(b.length + 1);
  switch (rng.int(7)) {
    case 0: {
      if (!b.length) return Buffer.from([rng.int(256)]);
      const c = Buffer.from(b);
      const i = rng.int(c.length);
      c[i] = c[i]! ^ (1 << rng.int(8));
      return c;
    }
    case 1:
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: rng.logInt(1, 16) }, () => rng.pick(INTERESTING_BYTES))), b.subarray(at)]);
    case 2:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.logInt(1, 64)))]);
    case 3: {
      const end = Math.min(b.length, at + rng.logInt(1, 256));
      return Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
    }
    case 4:
      return b.subarray(0, at);
    default: {
      // Inside a string is where invalid UTF-8 survives the tokenizer: right after a quote.
      const quotes = [];
      for (let i = 0; i < b.length && quotes.length < 64; i++) if (b[i] === 0x22) quotes.push(i + 1);
      const i = quotes.length ? rng.pick(quotes) : at;
      return Buffer.concat([b.subarray(0, i), Buffer.from(rng.pick(INVALID_UTF8)), b.subarray(i)]);
    }
  }
}

// ---- JSON trees with room for what JSON.stringify cannot write --------------------------------

/** Text written verbatim: NaN, -0, 1e400, 2**53+1 as digits, deep nesting, broken JSON. */
export class Raw {
  constructor(readonly text: string) {}
}
/** An object as ordered entries: duplicate keys and own `__proto__` keys survive rendering. */
export class Entries {
  constructor(public entries: [string, Node][]) {}
}
export type Node = null | boolean | number | string | Raw | Entries | Node[];

export function toNode(value: unknown): Node {
  if (Array.isArray(value)) return value.map(toNode);
  if (value && typeof value === 'object') return new Entries(Object.entries(value).map(([k, v]) => [k, toNode(v)]));
  return value as Node;
}

export function render(n: Node): string {
  if (n instanceof Raw) return n.text;
  if (n instanceof Entries) return `{${n.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
  if (Array.isArray(n)) return `[${n.map(render).join(',')}]`;
  return JSON.stringify(n) ?? 'null';
}

interface Slot {
  get(): Node;
  set(n: Node): void;
  remove?(): void;
}

/** Every place in the tree a mutation can hit (the root included). */
function slots(holder: { root: Node }): Slot[] {
  const out: Slot[] = [{ get: () => holder.root, set: (n) => (holder.root = n) }];
  const walk = (n: Node) => {
    if (out.length > 2000) return;
    if (Array.isArray(n)) {
      n.forEach((c, i) => {
        out.push({ get: () => n[i]!, set: (v) => (n[i] = v), remove: () => n.splice(i, 1) });
        walk(c);
      });
    } else if (n instanceof Entries) {
      n.entries.forEach((e, i) => {
        out.push({ get: () => e[1], set: (v) => (e[1] = v), remove: () => n.entries.splice(i, 1) });
        walk(e[1]);
      });
    }
  };
  walk(holder.root);
  return out;
}

/** Numbers as a peer might write them: edges of int/positive checks, unsafe ints, not-numbers. */
const NUMBER_EDGES: Node[] = [
  -1, 0, 1, 1e308, 0.5, 2 ** 53, -(2 ** 31), 2 ** 32, new Raw('-0'), new Raw('NaN'), new Raw('Infinity'), new Raw('1e400'),
  new Raw('-1e400'), new Raw('9007199254740993'), new Raw('1E5'), new Raw('1.0'), new Raw('01'), new Raw('1.'), new Raw('0x10'),
  '1', '', true, null, 'empty-array', 'empty-object', 'huge-string',
];

/** One of NUMBER_EDGES; containers fresh each time (a mutation may fill them later), strings huge or not. */
function edge(rng: Rng, huge = false): Node {
  const n = rng.pick(NUMBER_EDGES);
  if (n === 'huge-string') return 'x'.repeat(huge ? rng.logInt(1000, 200_000) : rng.logInt(1, 300));
  return n === 'empty-array' ? [] : n === 'empty-object' ? new Entries([]) : n;
}
const CHARS = ['a', 'Z', ' ', 'Š', 'č', '€', '😀', '\u2028', '\u0000', '\u001f', '\ud800', '\udfff', '\ufeff', '\u202e', 'e\u0301', '"', '\\', '/', '~'];
const KEYS = ['v', 'ts', 'seq', 'low', 'epoch', 'data', 'records', 'status', 'kind', '__proto__', 'constructor', 'prototype', 'toString', '', 'x'.repeat(300)];

export function randomString(rng: Rng, max = 64): string {
  let s = '';
  for (let n = rng.logInt(0, max); n > 0; n--) s += rng.chance(0.5) ? String.fromCharCode(0x20 + rng.int(95)) : rng.pick(CHARS);
  return s;
}

/** A random JSON value of bounded size (about `budget` nodes) and depth. */
export function randomJson(rng: Rng, budget = 40, depth = 0): Node {
  const kind = depth > 6 || budget <= 1 ? rng.int(4) : rng.int(6);
  switch (kind) {
    case 0:
      return edge(rng);
    case 1:
      return rng.chance(0.5) ? rng.int(2 ** 31) : (rng.u32() / 2 ** 16) * (rng.chance(0.5) ? -1 : 1);
    case 2:
      return randomString(rng);
    case 3:
      return rng.pick([null, true, false]);
    case 4:
      return Array.from({ length: rng.int(Math.min(budget, 8)) }, () => randomJson(rng, budget >> 1, depth + 1));
    default:
      return new Entries(
        Array.from({ length: rng.int(Math.min(budget, 6)) }, () => [rng.chance(0.4) ? rng.pick(KEYS) : randomString(rng, 12), randomJson(rng, budget >> 1, depth + 1)]),
      );
  }
}

/** `node` wrapped in `depth` arrays or objects: the stack-overflow attack of the ingest incident. */
export function nest(node: Node, depth: number, asObject: boolean): Raw {
  const inner = render(node);
  return asObject ? new Raw('{"a":'.repeat(depth) + inner + '}'.repeat(depth)) : new Raw('['.repeat(depth) + inner + ']'.repeat(depth));
}

/** Stands for 3 bytes of invalid UTF-8 in a rendered tree (a JS string cannot hold them): see `toBytes`. */
const INVALID_MARK = '\ue000';

/** A rendered tree as bytes, each INVALID_MARK (EE 80 80) turned into FF FF FF: same length, not UTF-8. */
export function toBytes(text: string): Buffer {
  const b = Buffer.from(text);
  if (!text.includes(INVALID_MARK)) return b;
  for (let i = 0; i + 2 < b.length; i++) {
    if (b[i] === 0xee && b[i + 1] === 0x80 && b[i + 2] === 0x80) b[i] = b[i + 1] = b[i + 2] = 0xff;
  }
  return b;
}

/** What one filler unit costs in payload bytes: plain, multi-byte, escapes, numbers that grow when re-encoded. */
const FILL_UNITS: { text: string; inString: boolean; bytes: number }[] = [
  { text: 'x', inString: true, bytes: 1 },
  { text: 'é', inString: true, bytes: 2 },
  { text: '€', inString: true, bytes: 3 },
  { text: '😀', inString: true, bytes: 4 },
  { text: '\\u00e9', inString: true, bytes: 6 },
  { text: '\\ud83d\\ude00', inString: true, bytes: 12 },
  { text: INVALID_MARK, inString: true, bytes: 3 },
  { text: '1e20,', inString: false, bytes: 5 },
  { text: '0,', inString: false, bytes: 2 },
];

/**
 * Replaces the node in `slot` by a string (or an array of numbers) that brings the whole payload
 * to about MAX_PAYLOAD_BYTES: a little under, exactly at, or a little over.
 */
function fillNearLimit(rng: Rng, holder: { root: Node }, slot: Slot): void {
  slot.set('');
  const base = Buffer.byteLength(render(holder.root)) - 2;
  const unit = rng.pick(FILL_UNITS);
  const target = MAX_PAYLOAD_BYTES + rng.pick([-1, 0, 1, -rng.logInt(0, 4096), rng.logInt(0, 64)]) - base - 2;
  const n = Math.max(0, Math.floor(target / unit.bytes));
  slot.set(unit.inString ? new Raw(`"${unit.text.repeat(n)}${'x'.repeat(Math.max(0, target - n * unit.bytes))}"`) : new Raw(`[${unit.text.repeat(n)}0]`));
}

/** How often each case of `mutateTree` runs: payloads near 256 KiB are slow to make, so rarer. */
const MUTATION_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 10, 10, 10];

/** One structural mutation of a JSON tree, in place. */
export function mutateTree(rng: Rng, holder: { root: Node }): void {
  const all = slots(holder);
  const slot = rng.pick(all);
  const node = slot.get();
  switch (rng.pick(MUTATION_WEIGHTS)) {
    case 0: // a number (or anything) replaced by an edge value
      return slot.set(edge(rng, true));
    case 1: // nesting wrapped around a field, near the limit or far past it
      return slot.set(nest(node, rng.chance(0.5) ? rng.int(40) : rng.logInt(10, 20000), rng.chance(0.5)));
    case 2:
      return fillNearLimit(rng, holder, slot);
    case 3: {
      // wrong contract version
      const root = holder.root;
      if (!(root instanceof Entries)) return slot.set(randomJson(rng));
      const v = root.entries.find(([k]) => k === 'v');
      const wrong = rng.pick<Node | undefined>([0, 2, -1, '1', null, true, new Raw('1.0'), new Raw('1e0'), new Raw('1.0000000000000001'), undefined]);
      if (!v) root.entries.push(['v', wrong ?? 2]);
      else if (wrong === undefined) root.entries.splice(root.entries.indexOf(v), 1);
      else v[1] = wrong;
      return;
    }
    case 4: // unicode: lone surrogates, RTL override, NUL, line separators
      return slot.set(typeof node === 'string' && rng.chance(0.5) ? node + randomString(rng, 8) : randomString(rng, 80));
    case 5: {
      // prototype keys, as own keys of the JSON object
      const target = all.map((s) => s.get()).filter((n): n is Entries => n instanceof Entries);
      if (!target.length) return slot.set(new Entries([['__proto__', new Entries([['v', 2]])]]));
      const key = rng.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty']);
      const polluted = new Entries([['polluted', true], ['v', 2]]);
      const value = rng.pick<Node>([polluted, new Entries([['prototype', polluted]]), 'x', null, randomJson(rng, 8)]);
      const e = rng.pick(target);
      e.entries.splice(rng.int(e.entries.length + 1), 0, [key, value]);
      return;
    }
    case 6: {
      // a duplicated key, before or after the original, with another value
      const target = all.map((s) => s.get()).filter((n): n is Entries => n instanceof Entries && n.entries.length > 0);
      if (!target.length) return;
      const e = rng.pick(target);
      const [k, v] = rng.pick(e.entries);
      e.entries.splice(rng.int(e.entries.length + 1), 0, [k, rng.chance(0.5) ? v : randomJson(rng, 8)]);
      return;
    }
    case 7: // a field removed
      return slot.remove?.();
    case 8: {
      // a key renamed: long, empty, upper-case, a record key off the pattern
      if (!(node instanceof Entries) || !node.entries.length) return slot.set(randomJson(rng));
      const e = rng.pick(node.entries);
      e[0] = rng.pick(['', 'GPS', 'a'.repeat(33), 'x'.repeat(rng.logInt(1, 100_000)), `${e[0]}~old`, `${e[0]}\n`, randomString(rng, 20)]);
      return;
    }
    case 9: {
      // arrays: an element repeated, dropped, swapped, or the array blown past a limit
      if (!Array.isArray(node) || !node.length) return slot.set([node]);
      const i = rng.int(node.length);
      const r = rng.int(4);
      if (r === 0) node.splice(i, 0, node[i]!);
      else if (r === 1) node.reverse();
      else if (r === 2) node.splice(i, 1);
      else slot.set(Array.from({ length: rng.pick([999, 1000, 1001]) }, (_, j) => node[j % node.length]!));
      return;
    }
    default:
      return slot.set(randomJson(rng));
  }
}

export interface MutatorOptions {
  /** Valid examples the mutations start from. */
  seeds: readonly unknown[];
  /** Hand the target strings sometimes, not only bytes (decoders take both). */
  strings?: boolean;
}

/**
 * The input source of a JSON decoder: 70% mutated seeds, 10% truncations of a seed swept over
 * every length in turn, 10% random JSON, 5% random bytes, 5% seeds as they are.
 */
export function jsonMutator(options: MutatorOptions): InputSource {
  const texts = options.seeds.map((s) => Buffer.from(JSON.stringify(s)));
  let sweep = 0;
  return (rng) => {
    const roll = rng.int(100);
    let out: Buffer;
    if (roll < 5) out = randomBytes(rng);
    else if (roll < 10) out = texts[rng.int(texts.length)]!;
    else if (roll < 20) {
      const text = texts[sweep % texts.length]!;
      out = text.subarray(0, Math.floor(sweep / texts.length) % (text.length + 1));
      sweep++;
    } else if (roll < 30) out = Buffer.from(render(randomJson(rng, 60)));
    else {
      const holder = { root: toNode(rng.pick(options.seeds)) };
      for (let n = 1 + rng.int(3); n > 0; n--) mutateTree(rng, holder);
      out = toBytes(render(holder.root));
      if (rng.chance(0.3)) for (let n = 1 + rng.int(2); n > 0; n--) out = mutateBytes(rng, out);
    }
    return options.strings && rng.chance(0.2) ? out.toString('utf8') : out;
  };
}

/** Topic-like strings: valid topics with levels inserted, dropped, renamed, wildcards and odd characters. */
export function stringMutator(seeds: readonly string[], pieces: readonly string[]): InputSource {
  return (rng) => {
    if (rng.chance(0.05)) return randomString(rng, 100);
    let s = rng.pick(seeds);
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const levels = s.split('/');
      const i = rng.int(levels.length);
      switch (rng.int(6)) {
        case 0:
          levels[i] = rng.pick(pieces);
          break;
        case 1:
          levels.splice(i, 0, rng.pick(pieces));
          break;
        case 2:
          levels.splice(i, 1);
          break;
        case 3:
          levels[i] = levels[i]! + rng.pick(pieces);
          break;
        case 4:
          levels[i] = levels[i]!.slice(0, rng.int(levels[i]!.length + 1));
          break;
        default:
          return s.slice(0, rng.int(s.length + 1)) + rng.pick(CHARS);
      }
      s = levels.join('/');
    }
    return s;
  };
}
