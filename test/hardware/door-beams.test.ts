/**
 * The beam pair state machine (hardware/door/beams.ts), as a table of cases: each a door's raw
 * edges (`A+` A breaks, `B-` B clears, `@ms` the time) and what must come of them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BeamPairCounter, type BeamEdge, type BeamPairStats, type Crossing } from '../../hardware/door/beams.js';

/** "A+@0 B+@120 A-@300 B-@420" → edges, in the order written (which is the order they arrive). */
function edges(script: string): BeamEdge[] {
  return script
    .trim()
    .split(/\s+/)
    .map((token) => {
      const m = /^([AB])([+-])@(\d+)$/.exec(token);
      if (!m) throw new Error(`bad token ${token}`);
      return { beam: m[1] === 'A' ? 'a' : 'b', broken: m[2] === '+', at: Number(m[3]) } as BeamEdge;
    });
}

/** Feeds every edge as it arrives, then lets time run on; returns the crossings and stats. */
function run(script: string, options = {}): { crossings: Crossing[]; stats: BeamPairStats; pair: BeamPairCounter } {
  const pair = new BeamPairCounter(options);
  pair.prime({ a: false, b: false }, 0);
  const crossings: Crossing[] = [];
  for (const edge of edges(script)) crossings.push(...pair.feed(edge));
  const last = edges(script).reduce((t, e) => Math.max(t, e.at), 0);
  crossings.push(...pair.advance(last + 60_000));
  return { crossings, stats: pair.stats, pair };
}

interface Case {
  name: string;
  script: string;
  /** The directions counted, in order. */
  counted: string;
  expect?: Partial<BeamPairStats>;
  options?: ConstructorParameters<typeof BeamPairCounter>[0];
}

const BOARD = 'A+@0 B+@120 A-@300 B-@420';
const CASES: Case[] = [
  { name: 'boarding: A then B, B clears last', script: BOARD, counted: 'in', expect: { in: 1, out: 0, aborted: 0 } },
  { name: 'alighting: B then A, A clears last', script: 'B+@0 A+@110 B-@280 A-@400', counted: 'out', expect: { out: 1 } },
  { name: 'aborted: A breaks and clears, B never', script: 'A+@0 A-@450', counted: '', expect: { aborted: 1 } },
  { name: 'aborted from inside: B only', script: 'B+@0 B-@300', counted: '', expect: { aborted: 1 } },
  { name: 'reversed: reaches B, goes back out through A', script: 'A+@0 B+@120 B-@260 A-@400', counted: '', expect: { reversed: 1 } },
  { name: 'back from B-only to A reads as one through and one who stepped back (two beams cannot tell)', script: 'A+@0 B+@120 A-@260 A+@420 B-@500 A-@640', counted: 'in', expect: { in: 1, aborted: 1 } },
  { name: 'hesitates on A, then goes through', script: 'A+@0 B+@120 B-@200 B+@400 A-@600 B-@700', counted: 'in', expect: { reversed: 0 } },
  { name: 'flicker on A alone (10 ms) is no crossing and no abort', script: 'A+@0 A-@10', counted: '', expect: { flickers: 1, aborted: 0 } },
  { name: 'flicker inside a crossing: A gaps for 8 ms', script: 'A+@0 B+@120 A-@200 A+@208 A-@330 B-@450', counted: 'in', expect: { flickers: 1 } },
  { name: 'flicker on B while only A is broken does not make the far beam reached', script: 'A+@0 B+@100 B-@112 A-@400', counted: '', expect: { flickers: 1, aborted: 1, reversed: 0 } },
  { name: 'chatter: four flickers in a row', script: 'A+@0 A-@5 A+@20 A-@25 B+@60 B-@70 B+@80 B-@85', counted: '', expect: { flickers: 4, aborted: 0 } },
  { name: 'a level held exactly the debounce counts', script: 'A+@0 A-@30', counted: '', expect: { flickers: 0, aborted: 1 } },
  { name: 'debounce 0: every edge counts', script: 'A+@0 A-@2', counted: '', expect: { flickers: 0, aborted: 1 }, options: { debounceMs: 0 } },
  { name: 'a repeated reading (same level twice) is no edge', script: 'A+@0 A+@50 B+@120 B+@121 A-@300 B-@420 B-@430', counted: 'in', expect: { flickers: 0 } },
  {
    name: 'back to back, apart: two crossings',
    script: 'A+@0 B+@120 A-@300 B-@420 A+@520 B+@640 A-@820 B-@940',
    counted: 'in in',
  },
  {
    name: 'back to back, close: the second breaks A while the first is on B',
    script: 'A+@0 B+@120 A-@300 A+@360 B-@420 B+@500 A-@640 B-@760',
    counted: 'in in',
  },
  {
    name: 'close behind, then the second steps back: one crossing and an abort',
    script: 'A+@0 B+@120 A-@300 A+@360 A-@500 B-@620',
    counted: 'in',
    expect: { aborted: 1 },
  },
  {
    name: 'three alighting close behind each other',
    script: 'B+@0 A+@100 B-@250 B+@300 A-@360 A+@430 B-@520 B+@580 A-@650 A+@720 B-@800 A-@950',
    counted: 'out out out',
  },
  { name: 'boarding then alighting', script: `${BOARD} B+@600 A+@700 B-@900 A-@1000`, counted: 'in out' },
  {
    name: 'stalled: stands in the door 5 s, then steps in: one boarding',
    script: 'A+@0 B+@120 A-@5200 B-@5300',
    counted: 'in',
    expect: { stalls: 1 },
  },
  {
    name: 'stalled, sways (B clears and breaks, A too), never counted twice',
    script: 'A+@0 B+@120 B-@3000 B+@3200 A-@4000 A+@4300 A-@4600 B-@4800',
    counted: 'in',
    expect: { stalls: 1 },
  },
  {
    name: 'stalled: came in from A but backs out, A clears last: resolved by the last beam',
    script: 'A+@0 B+@120 B-@4000 A-@4200',
    counted: 'out',
    expect: { stalls: 1, reversed: 0 },
  },
  {
    name: 'both broken exactly stallMs is not yet a stall',
    script: 'A+@0 B+@100 A-@2100 B-@2200',
    counted: 'in',
    expect: { stalls: 0 },
  },
  {
    name: 'out of order by a few ms: B’s edge arrives before A’s earlier one',
    script: 'B+@105 A+@100 A-@300 B-@420',
    counted: 'in',
    expect: { late: 0 },
  },
  {
    name: 'out of order at the end: the last clear of A arrives after B’s',
    script: 'A+@0 B+@120 B-@300 A-@296',
    counted: 'in',
    expect: { late: 0, reversed: 0 },
  },
  {
    name: 'an edge later than the reorder window is applied when it comes, and counted late',
    script: 'A+@0 B+@120 A-@300 B-@420 A+@2000 B+@2120 A-@2300 B-@2420 A+@2100',
    counted: 'in in',
    expect: { late: 1 },
  },
];

const table = suite('beam pair: table of cases');
for (const c of CASES) {
  table(c.name, () => {
    const { crossings, stats } = run(c.script, c.options);
    assert.is(crossings.map((x) => x.direction).join(' '), c.counted, `counted ${JSON.stringify(crossings)}`);
    if (c.expect) for (const [k, v] of Object.entries(c.expect)) assert.is(stats[k as keyof BeamPairStats], v, `${k}: ${JSON.stringify(stats)}`);
    const counted = c.counted === '' ? 0 : c.counted.split(' ').length;
    assert.is(stats.in + stats.out, counted);
  });
}
table.run();

const timing = suite('beam pair: time, deadlines, priming');

timing('a crossing is dated at the edge that ended it, and settles only once the debounce has passed', () => {
  const pair = new BeamPairCounter({ debounceMs: 30, reorderMs: 10 });
  pair.prime({ a: false, b: false }, 0);
  const got: Crossing[] = [];
  for (const e of edges(BOARD)) got.push(...pair.feed(e));
  assert.equal(got, []);
  assert.is(pair.nextDeadline(), 460);
  assert.equal(pair.advance(459), []);
  assert.equal(pair.advance(460), [{ direction: 'in', at: 420 }]);
  assert.is(pair.nextDeadline(), null);
});

timing('nextDeadline covers the stall: with both beams broken it is due when a stall would be decided', () => {
  const pair = new BeamPairCounter({ debounceMs: 30, reorderMs: 10, stallMs: 2000 });
  pair.prime({ a: false, b: false }, 0);
  pair.feed({ beam: 'a', broken: true, at: 0 });
  pair.feed({ beam: 'b', broken: true, at: 100 });
  pair.advance(200);
  assert.is(pair.nextDeadline(), 100 + 2000 + 40);
  pair.advance(2140);
  assert.is(pair.stats.stalls, 1);
  assert.is(pair.nextDeadline(), null);
  assert.equal(pair.beam('a'), { broken: true, since: 0 });
});

timing('flush applies what is pending at once (counting stops)', () => {
  const pair = new BeamPairCounter();
  pair.prime({ a: false, b: false }, 0);
  for (const e of edges(BOARD)) pair.feed(e);
  assert.equal(pair.flush(), [{ direction: 'in', at: 420 }]);
  assert.equal(pair.flush(), []);
});

timing('primed with someone on A: taken to have come from outside', () => {
  const pair = new BeamPairCounter();
  pair.prime({ a: true, b: false }, 0);
  const got = [...pair.feed({ beam: 'b', broken: true, at: 100 }), ...pair.feed({ beam: 'a', broken: false, at: 200 })];
  got.push(...pair.feed({ beam: 'b', broken: false, at: 300 }), ...pair.advance(1000));
  assert.equal(got.map((c) => c.direction), ['in']);
});

timing('primed with both broken: a stalled crossing, resolved by the beam that clears last', () => {
  const pair = new BeamPairCounter();
  pair.prime({ a: true, b: true }, 0);
  pair.feed({ beam: 'b', broken: false, at: 100 });
  pair.feed({ beam: 'a', broken: false, at: 300 });
  assert.equal(pair.advance(1000).map((c) => c.direction), ['out']);
});

timing('prime again forgets what was pending and under way', () => {
  const pair = new BeamPairCounter();
  pair.prime({ a: false, b: false }, 0);
  pair.feed({ beam: 'a', broken: true, at: 0 });
  pair.feed({ beam: 'b', broken: true, at: 100 });
  pair.prime({ a: false, b: false }, 5000);
  pair.feed({ beam: 'b', broken: false, at: 5100 }); // no change from the primed level
  assert.equal(pair.advance(9000), []);
  assert.is(pair.nextDeadline(), null);
});

timing('resetStats zeroes the counters, not the crossing under way', () => {
  const pair = new BeamPairCounter();
  pair.prime({ a: false, b: false }, 0);
  for (const e of edges('A+@0 A-@400 A+@800 B+@900')) pair.feed(e);
  pair.advance(1000);
  assert.is(pair.stats.aborted, 1);
  pair.resetStats();
  assert.equal(pair.stats, { in: 0, out: 0, aborted: 0, reversed: 0, stalls: 0, flickers: 0, late: 0 });
  for (const e of edges('A-@1100 B-@1200')) pair.feed(e);
  assert.equal(pair.advance(2000).map((c) => c.direction), ['in']);
  assert.is(pair.stats.in, 1);
});

timing('options must be finite and not negative', () => {
  for (const bad of [{ debounceMs: -1 }, { stallMs: Number.NaN }, { reorderMs: Infinity }]) {
    assert.throws(() => new BeamPairCounter(bad), RangeError, JSON.stringify(bad));
  }
});

timing.run();
