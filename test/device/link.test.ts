import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reconnectDelay } from '../../device/link.js';

test('reconnect backoff grows exponentially to its cap, with jitter across the interval', () => {
  const lowest = (a: number) => reconnectDelay(a, 1000, 60_000, () => 0);
  const highest = (a: number) => reconnectDelay(a, 1000, 60_000, () => 1);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 7].map(highest), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.ok([0, 3, 9, 1000].every((a) => lowest(a) === 500), 'never sooner than half the minimum');
  const spread = new Set(Array.from({ length: 50 }, () => reconnectDelay(6, 1000, 60_000)));
  assert.ok(spread.size > 40, 'agents that lost the broker together come back spread out');
  for (const d of spread) assert.ok(d >= 500 && d <= 60_000);
});

test.run();
