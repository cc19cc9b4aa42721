import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PresenceTracker } from '../../fleet/presence.js';

test('presence is derived: unknown, online, stale, offline; older epochs change nothing', () => {
  let now = 1_000_000;
  const p = new PresenceTracker(() => now);
  assert.is(p.of('a'), 'unknown');
  assert.ok(p.observe('a', 3, 'online', 10));
  assert.is(p.of('a'), 'online');
  now += 30_000;
  assert.is(p.of('a'), 'online', 'exactly 3 heartbeats is not yet stale');
  now += 1;
  assert.is(p.of('a'), 'stale');
  p.touch('a', 3);
  assert.is(p.of('a'), 'online', 'telemetry of the current session is a sign of life');
  p.touch('a', 2);
  now += 30_001;
  assert.is(p.of('a'), 'stale', 'a message of an older session is not');
  assert.not.ok(p.observe('a', 2, 'offline'), 'an older session’s will is ignored');
  assert.is(p.of('a'), 'stale');
  assert.ok(p.observe('a', 3, 'offline'));
  assert.is(p.of('a'), 'offline');
  assert.ok(p.observe('a', 4, 'online'));
  assert.is(p.of('a'), 'online');
  assert.is(p.epoch('a'), 4);
});

test.run();
