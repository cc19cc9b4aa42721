/**
 * A lane's two loops as a pure state machine (hardware/loop/pair.ts): tables of edge sequences —
 * what each must count, and what each must not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoopPair, type LanePassage, type Loop, type LoopPairStats } from '../../hardware/loop/pair.js';

/** `A+` covers loop A, `B-` clears B; a number is that many ms passing. */
type Step = `${'A' | 'B'}${'+' | '-'}` | number;

function run(steps: readonly Step[], options = {}): { passages: LanePassage[]; stats: LoopPairStats } {
  const pair = new LoopPair({ debounceMs: 100, gapMs: 1500, reorderMs: 10, ...options });
  pair.prime({ a: false, b: false }, 0);
  let now = 0;
  const passages: LanePassage[] = [];
  for (const step of steps) {
    if (typeof step === 'number') {
      // Time passes as a driver's timer would see it: advance at every deadline on the way.
      const until = now + step;
      for (let d = pair.nextDeadline(); d !== null && d <= until; d = pair.nextDeadline()) passages.push(...pair.advance(d));
      now = until;
      passages.push(...pair.advance(now));
    } else {
      const loop = step[0]!.toLowerCase() as Loop;
      passages.push(...pair.feed({ loop, occupied: step[1] === '+', at: now }));
    }
  }
  passages.push(...pair.advance(now + 10_000));
  return { passages, stats: pair.stats };
}

const CASES: { name: string; steps: Step[]; orders: string[]; stats?: Partial<LoopPairStats> }[] = [
  { name: 'a car in: A, both, B, clear', steps: ['A+', 1000, 'B+', 1200, 'A-', 1000, 'B-'], orders: ['ab'] },
  { name: 'a car out: B, both, A, clear', steps: ['B+', 1000, 'A+', 1200, 'B-', 1000, 'A-'], orders: ['ba'] },
  { name: 'fast: 300 ms on each loop', steps: ['A+', 150, 'B+', 150, 'A-', 150, 'B-'], orders: ['ab'] },
  { name: 'noses onto A and backs off', steps: ['A+', 3000, 'A-'], orders: [], stats: { aborted: 1 } },
  { name: 'reaches B and backs out over A', steps: ['A+', 1000, 'B+', 4000, 'B-', 1000, 'A-'], orders: [], stats: { reversed: 1 } },
  { name: 'reaches B, backs a little, goes on', steps: ['A+', 1000, 'B+', 1000, 'B-', 2000, 'B+', 1000, 'A-', 1000, 'B-'], orders: ['ab'] },
  { name: 'stops on both loops for a minute at the barrier', steps: ['A+', 1000, 'B+', 60_000, 'A-', 1000, 'B-'], orders: ['ab'] },
  { name: 'stops on A for 20 s (ticket), then drives in', steps: ['A+', 20_000, 'B+', 1000, 'A-', 1000, 'B-'], orders: ['ab'] },
  {
    name: 'trailer: the drawbar clears A, then B, briefly',
    steps: ['A+', 1000, 'B+', 1200, 'A-', 500, 'A+', 400, 'B-', 500, 'B+', 1500, 'A-', 1000, 'B-'],
    orders: ['ab'],
    stats: { gaps: 2 },
  },
  {
    name: 'trailer whose drawbar clears both loops at once',
    steps: ['A+', 1000, 'B+', 1200, 'A-', 200, 'B-', 600, 'A+', 200, 'B+', 1500, 'A-', 1000, 'B-'],
    orders: ['ab'],
    stats: { gaps: 2 },
  },
  { name: 'bounce: chatter on A before the car', steps: ['A+', 20, 'A-', 30, 'A+', 20, 'A-', 50, 'A+', 1000, 'B+', 1000, 'A-', 1000, 'B-'], orders: ['ab'], stats: { flickers: 2 } },
  { name: 'bounce: chatter on B alone', steps: ['B+', 40, 'B-', 3000], orders: [], stats: { flickers: 1, aborted: 0 } },
  { name: 'two cars 3 s apart are two', steps: ['A+', 1000, 'B+', 1000, 'A-', 1000, 'B-', 3000, 'A+', 1000, 'B+', 1000, 'A-', 1000, 'B-'], orders: ['ab', 'ab'] },
  {
    name: 'a car waiting on B, the next pulls onto A: two',
    steps: ['A+', 1000, 'B+', 1000, 'A-', 6000, 'A+', 4000, 'B-', 3000, 'B+', 1000, 'A-', 1000, 'B-'],
    orders: ['ab', 'ab'],
  },
  { name: 'a car waiting on B, one noses onto A and backs off: one', steps: ['A+', 1000, 'B+', 1000, 'A-', 6000, 'A+', 3000, 'A-', 4000, 'B-'], orders: ['ab'], stats: { aborted: 1 } },
  { name: 'a repeated reading changes nothing', steps: ['A+', 500, 'A+', 500, 'B+', 1000, 'A-', 'A-', 1000, 'B-'], orders: ['ab'] },
];

for (const c of CASES) {
  test(`${c.name} → ${c.orders.join(', ') || 'nothing'}`, () => {
    const { passages, stats } = run(c.steps);
    assert.equal(passages.map((p) => p.order), c.orders);
    for (const [k, v] of Object.entries(c.stats ?? {})) assert.is(stats[k as keyof LoopPairStats], v, k);
    assert.is(stats.ab + stats.ba, c.orders.length);
  });
}

test('a passage is timed when the lane was clear of the vehicle, not when the gap hold ran out', () => {
  const { passages } = run(['A+', 1000, 'B+', 1000, 'A-', 1000, 'B-']);
  assert.equal(passages, [{ order: 'ab', at: 3000 }]);
});

test('edges of the two loops out of order by less than reorderMs are put back in order', () => {
  const pair = new LoopPair({ debounceMs: 100, gapMs: 1500, reorderMs: 20 });
  pair.prime({ a: false, b: false }, 0);
  const out = [
    ...pair.feed({ loop: 'a', occupied: true, at: 0 }),
    ...pair.feed({ loop: 'b', occupied: true, at: 1000 }),
    ...pair.feed({ loop: 'b', occupied: false, at: 2010 }), // B's clear arrives first…
    ...pair.feed({ loop: 'a', occupied: false, at: 2000 }), // …A's, 10 ms older, after it
    ...pair.advance(10_000),
  ];
  assert.equal(out.map((p) => p.order), ['ab']);
  assert.is(pair.stats.reversed, 0);
});

test('a gap as long as gapMs is a real clear: two vehicles', () => {
  const { passages } = run(['A+', 1000, 'B+', 1000, 'A-', 1000, 'B-', 1500, 'A+', 1000, 'B+', 1000, 'A-', 1000, 'B-']);
  assert.equal(passages.map((p) => p.order), ['ab', 'ab']);
});

test('nothing is applied before it has held: no passage until B has been clear gapMs', () => {
  const pair = new LoopPair({ debounceMs: 100, gapMs: 1500, reorderMs: 10 });
  pair.prime({ a: false, b: false }, 0);
  pair.feed({ loop: 'a', occupied: true, at: 0 });
  pair.feed({ loop: 'b', occupied: true, at: 1000 });
  pair.feed({ loop: 'a', occupied: false, at: 2000 });
  assert.equal(pair.feed({ loop: 'b', occupied: false, at: 3000 }), []);
  assert.is(pair.nextDeadline(), 2000 + 1510);
  assert.equal(pair.advance(4509), []);
  assert.equal(pair.advance(4510), [{ order: 'ab', at: 3000 }]);
  assert.is(pair.nextDeadline(), null);
});

test('primed with a car on A, it is read as coming from A; flush() settles what is pending', () => {
  const pair = new LoopPair();
  pair.prime({ a: true, b: false }, 0);
  pair.feed({ loop: 'b', occupied: true, at: 500 });
  pair.feed({ loop: 'a', occupied: false, at: 1500 });
  pair.feed({ loop: 'b', occupied: false, at: 2500 });
  assert.equal(pair.flush(), [{ order: 'ab', at: 2500 }]);
});

test('bad timings are refused, naming the option', () => {
  assert.throws(() => new LoopPair({ gapMs: -1 }), /gapMs/);
  assert.throws(() => new LoopPair({ debounceMs: Number.NaN }), /debounceMs/);
});

test.run();
