import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Outbox, OutboxFullError } from '../../device/outbox.js';
import { openDatabase } from '../../device/store.js';
import { OutboxConfig } from '../../protocols/index.js';
import { tmpDir } from '../helpers.js';

function open(config: unknown = {}, file = path.join(tmpDir(), 'agent.db'), now?: () => number) {
  const db = openDatabase(file);
  return { db, file, outbox: new Outbox(db, { config: OutboxConfig.parse(config), ...(now ? { now } : {}) }) };
}

test('per-stream seqs, one transaction per turn, survives reopening', async () => {
  const { db, file, outbox } = open();
  const seqs = await Promise.all([outbox.append('gps', { a: 1 }), outbox.append('apc', { b: 1 }), outbox.append('gps', { a: 2 })]);
  assert.equal(seqs, [1, 1, 2]);
  assert.is(outbox.depth(), 3);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  const again = open({}, file);
  assert.is(again.outbox.depth(), 3);
  assert.is(await again.outbox.append('gps', {}), 3, 'numbering continues after a restart');
  assert.equal(again.outbox.pendingAfter('gps', 0, 10).map((r) => [r.seq, r.data]), [[1, '{"a":1}'], [2, '{"a":2}'], [3, '{}']]);
  again.db.close();
});

test('ack deletes only up to the high-water mark of its stream', async () => {
  const { db, outbox } = open();
  for (let i = 0; i < 5; i++) await outbox.append('gps', { i });
  await outbox.append('apc', {});
  assert.is(outbox.ack('gps', 3), 3);
  assert.is(outbox.depth(), 3);
  assert.is(outbox.lowWater('gps'), 4);
  assert.is(outbox.ack('gps', 3), 0, 'a repeated ack deletes nothing');
  assert.is(outbox.ack('nope', 9), 0);
  assert.is(outbox.lowWater('apc'), 1);
  outbox.ack('apc', 1);
  assert.is(outbox.lowWater('apc'), 2, 'with nothing pending, the next seq');
  db.close();
});

test('capacity counts pending rows only: drop-oldest and reject-new', async () => {
  const { db, outbox } = open({ streams: { gps: { capacity: 3, whenFull: 'drop-oldest' }, alarm: { capacity: 2, whenFull: 'reject-new' } } });
  for (let i = 1; i <= 5; i++) await outbox.append('gps', { i });
  assert.equal(outbox.pendingAfter('gps', 0, 10).map((r) => r.seq), [3, 4, 5]);
  assert.is(outbox.stats().dropped, 2);
  assert.is(outbox.lowWater('gps'), 3, 'the fleet will learn 1 and 2 are gone');
  outbox.ack('gps', 4);
  await outbox.append('gps', { i: 6 });
  assert.equal(outbox.pendingAfter('gps', 0, 10).map((r) => r.seq), [5, 6], 'acked rows free capacity');

  await outbox.append('alarm', 1);
  await outbox.append('alarm', 2);
  try {
    await outbox.append('alarm', 3);
    assert.unreachable('should have been rejected');
  } catch (err) {
    assert.instance(err, OutboxFullError);
    assert.match((err as Error).message, /alarm is full/);
  }
  assert.equal(outbox.pendingAfter('alarm', 0, 10).map((r) => r.data), ['1', '2']);
  db.close();
});

test('records past their TTL are dropped and counted; priorities order the streams', async () => {
  let now = 1_000_000;
  const { db, outbox } = open({ streams: { logs: { ttlS: 60, priority: 9 }, apc: { priority: 0 } } }, undefined, () => now);
  await outbox.append('logs', 'old');
  await outbox.append('gps', 'fix');
  await outbox.append('apc', 'count');
  assert.equal(outbox.streams(), ['apc', 'gps', 'logs']);
  now += 61_000;
  await outbox.append('logs', 'new');
  assert.is(outbox.expire(), 1);
  assert.equal(outbox.pendingAfter('logs', 0, 10).map((r) => r.data), ['"new"']);
  const s = outbox.stats();
  assert.is(s.depth, 3);
  assert.is(s.dropped, 1);
  assert.is(s.oldestAgeS, 61);
  db.close();
});

test('a failed commit rejects every append of its batch and leaves the counters as they were', async () => {
  const { db, outbox } = open();
  await outbox.append('gps', 1);
  db.exec("CREATE TRIGGER fail BEFORE INSERT ON outbox_pending WHEN NEW.data = '\"boom\"' BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  const results = await Promise.allSettled([outbox.append('gps', 2), outbox.append('gps', 'boom')]);
  assert.equal(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.is(outbox.depth(), 1);
  db.exec('DROP TRIGGER fail');
  assert.is(await outbox.append('gps', 3), 2, 'no seq was burnt');
  db.close();
});


test('an ack takes effect at once and its delete rides with the next commit; after a crash the rows come back to be resent', async () => {
  const { db, file, outbox } = open({ ackCommitDelayMs: 60_000 });
  for (let i = 0; i < 4; i++) await outbox.append('gps', i);
  const frames = () => (db.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as { log: number }[])[0]!.log;
  const before = frames();
  assert.is(outbox.ack('gps', 2), 2);
  assert.is(outbox.depth(), 2);
  assert.is(outbox.lowWater('gps'), 3);
  assert.equal(outbox.pendingAfter('gps', 0, 10).map((r) => r.seq), [3, 4], 'acked rows are not sent again');
  assert.is(frames(), before, 'no commit yet');
  // A crash now (another connection sees SQLite as it is): the acked rows are still there.
  const other = openDatabase(file);
  assert.is((other.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n, 4);
  await outbox.append('gps', 4);
  assert.is((other.prepare('SELECT count(*) AS n FROM outbox_pending').get() as { n: number }).n, 3, 'deleted with the append');
  other.close();
  db.close();
});

test('acked rows are neither dropped as oldest nor expired as lost', async () => {
  let now = 1_000_000;
  const { db, outbox } = open({ ackCommitDelayMs: 60_000, streams: { gps: { capacity: 3, ttlS: 10 } } }, undefined, () => now);
  for (let i = 0; i < 3; i++) await outbox.append('gps', i);
  outbox.ack('gps', 2);
  await outbox.append('gps', 3);
  await outbox.append('gps', 4);
  assert.is(outbox.stats().dropped, 0, 'room came from the acked rows');
  outbox.ack('gps', 3);
  now += 11_000;
  assert.is(outbox.expire(), 2, 'only the two unacked rows expired');
  assert.is(outbox.stats().dropped, 2);
  outbox.close();
  db.close();
});

test.run();
