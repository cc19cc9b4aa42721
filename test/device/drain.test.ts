import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Drainer } from '../../device/drain.js';
import { Outbox } from '../../device/outbox.js';
import { openDatabase } from '../../device/store.js';
import { DrainPolicy, OutboxConfig, TelemetryBatch, decode } from '../../protocols/index.js';
import { tmpDir, waitFor } from '../helpers.js';

function setup(policy: Partial<DrainPolicy>, streams: Record<string, { priority: number }> = {}) {
  const db = openDatabase(path.join(tmpDir(), 'agent.db'));
  const outbox = new Outbox(db, { config: OutboxConfig.parse({ streams }) });
  const drainer = new Drainer(outbox, DrainPolicy.parse(policy));
  const sent: { stream: string; seqs: number[]; low: number; at: number }[] = [];
  const publish = (stream: string, payload: string) => {
    const b = decode(TelemetryBatch, payload);
    if (!b.ok) throw new Error(b.reason);
    sent.push({ stream, seqs: b.value.records.map((r) => r.seq), low: b.value.low, at: Date.now() });
  };
  return { db, outbox, drainer, sent, publish };
}

test('priority lanes: alarms and passenger counts go before bulk GPS; batches stay within their stream', async () => {
  const { db, outbox, drainer, sent, publish } = setup({ batchSize: 3, window: 64 }, { apc: { priority: 0 }, gps: { priority: 5 }, logs: { priority: 9 } });
  for (let i = 0; i < 5; i++) await outbox.append('logs', i);
  for (let i = 0; i < 5; i++) await outbox.append('gps', i);
  await outbox.append('apc', { in: 2 });
  drainer.start(1, publish);
  await waitFor('all sent', () => sent.reduce((n, b) => n + b.seqs.length, 0) === 11);
  assert.equal(sent.map((b) => b.stream), ['apc', 'gps', 'gps', 'logs', 'logs']);
  assert.equal(sent[1]!.seqs, [1, 2, 3]);
  assert.equal(sent[2]!.seqs, [4, 5]);
  drainer.stop();
  outbox.close();
  db.close();
});

test('the window bounds batches awaiting an ack; acks delete rows and let more go', async () => {
  const { db, outbox, drainer, sent, publish } = setup({ batchSize: 2, window: 2 });
  for (let i = 0; i < 10; i++) await outbox.append('gps', i);
  drainer.start(4, publish);
  await waitFor('window full', () => sent.length === 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.is(sent.length, 2, 'no third batch before an ack');
  drainer.onAck({ gps: 2 });
  await waitFor('one more', () => sent.length === 3);
  assert.equal(sent[2]!.seqs, [5, 6]);
  assert.is(sent[2]!.low, 3, 'low tells the fleet where the pending rows start');
  assert.is(outbox.depth(), 8);
  drainer.stop();
  outbox.close();
  db.close();
});

test('the rate limit spreads a backlog over time', async () => {
  const { db, outbox, drainer, sent, publish } = setup({ batchSize: 1, window: 64, maxBatchesPerS: 10 });
  for (let i = 0; i < 40; i++) await outbox.append('gps', i);
  const t0 = Date.now();
  drainer.start(1, publish);
  // The bucket holds 10; then 10 per second: 15 batches take about 0.5 s.
  await waitFor('15 sent', () => sent.length >= 15, 5000, 5);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 400, `rate-limited (took ${elapsed} ms)`);
  assert.ok(sent.length < 40);
  drainer.stop();
  outbox.close();
  db.close();
});

test('a batch not acked in time is sent again from the lowest pending row', async () => {
  const { db, outbox, drainer, sent, publish } = setup({ batchSize: 5, window: 1, ackTimeoutS: 1 });
  for (let i = 0; i < 3; i++) await outbox.append('gps', i);
  drainer.start(1, publish);
  await waitFor('sent', () => sent.length === 1);
  await waitFor('resent after the ack timeout', () => sent.length === 2, 4000);
  assert.equal(sent[1]!.seqs, [1, 2, 3]);
  assert.ok(sent[1]!.at - sent[0]!.at >= 1000);
  drainer.stop();
  outbox.close();
  db.close();
});

test.run();
