/**
 * Ingest on a bad day: a batch that cannot be stored, hostile payloads from a provisioned device,
 * the fleet's own disk full, its wall clock stepped. The fleet stays up, tells the truth in
 * `/healthz` and `/metrics`, and loses and doubles nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import type { FleetService } from '../../fleet/service.js';
import { MAX_JSON_DEPTH, topic } from '../../protocols/index.js';
import { SteppableClock, api, deviceClient, fillDisk, mountTmpfs, startFleet, storedSeqs, waitFor } from '../helpers.js';

const batch = (low: number, seqs: number[], data: (seq: number) => unknown = (seq) => ({ seq })) =>
  JSON.stringify({ v: 1, epoch: 1, outbox: 'card1', low, records: seqs.map((seq) => ({ seq, ts: Date.now(), data: data(seq) })) });

async function ackedClient(fleet: Awaited<ReturnType<typeof startFleet>>, id: string) {
  const { secret } = fleet.registry.provision({ id, role: 'bus' });
  const client = await deviceClient(fleet, id, secret);
  const acks: Record<string, number>[] = [];
  client.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).streams));
  try {
    await client.subscribeAsync(topic.ack(id), { qos: 0 });
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  return { client, acks };
}

type AckedClient = Awaited<ReturnType<typeof ackedClient>>;

const health = async (fleet: Awaited<ReturnType<typeof startFleet>>) => {
  const res = await fetch(fleet.httpUrl + '/healthz');
  return { status: res.status, body: (await res.json()) as { status: string; ingest: { parkedRecently: number; lastError: unknown } } };
};

test('a batch that fails to store is parked, not acked; the others of its turn are stored and acked; health says degraded', async () => {
  const fleet = await startFleet();
  let openedGood: AckedClient | null = null;
  let openedBad: AckedClient | null = null;
  try {
    const good = (openedGood = await ackedClient(fleet, 'bus-30'));
    const bad = (openedBad = await ackedClient(fleet, 'bus-31'));
    // A fault of one batch alone (here a trigger; in the field a bug or a bad row): real SQLite refuses it.
    fleet.db.exec("CREATE TRIGGER poison BEFORE INSERT ON telemetry WHEN NEW.device_id = 'bus-31' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    await Promise.all([
      bad.client.publishAsync(topic.telemetry('bus-31', 'gps'), batch(1, [1, 2]), { qos: 1 }),
      good.client.publishAsync(topic.telemetry('bus-30', 'gps'), batch(1, [1, 2, 3]), { qos: 1 }),
    ]);
    await waitFor('the good batch acked', () => good.acks.some((a) => a.gps === 3));
    await waitFor('the bad batch parked', () => fleet.metrics.get('tabla_ingest_parked_total') === 1);
    assert.equal(storedSeqs(fleet, 'bus-30', 'gps'), [1, 2, 3]);
    assert.equal(storedSeqs(fleet, 'bus-31', 'gps'), []);
    assert.equal(bad.acks, [], 'nothing acked: the device keeps its rows');
    const parked = fleet.ingest.parked();
    assert.is(parked.length, 1);
    assert.equal([parked[0]!.deviceId, parked[0]!.stream, parked[0]!.firstSeq, parked[0]!.lastSeq], ['bus-31', 'gps', 1, 2]);
    assert.match(parked[0]!.error, /poisoned row/);
    const h = await health(fleet);
    assert.is(h.status, 503);
    assert.is(h.body.status, 'degraded');
    assert.is(h.body.ingest.parkedRecently, 1);
    assert.match(await (await fetch(fleet.httpUrl + '/metrics')).text(), /tabla_ingest_parked_total 1/);

    // Mended: the device's resend is stored and acked; the fleet never stopped.
    fleet.db.exec('DROP TRIGGER poison');
    await bad.client.publishAsync(topic.telemetry('bus-31', 'gps'), batch(1, [1, 2]), { qos: 1 });
    await waitFor('the resend acked', () => bad.acks.some((a) => a.gps === 2));
    assert.equal(storedSeqs(fleet, 'bus-31', 'gps'), [1, 2]);
  } finally {
    await openedGood?.client.endAsync(true);
    await openedBad?.client.endAsync(true);
    await fleet.stop();
  }
});

test('hostile payloads from a provisioned device (deep nesting, marks past what it sent) are refused; the fleet stays up', async () => {
  const fleet = await startFleet();
  let opened: AckedClient | null = null;
  try {
    const evil = (opened = await ackedClient(fleet, 'bus-32'));
    const t = topic.telemetry('bus-32', 'gps');
    const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
    // ~20 KB of nesting in a record's data: used to overflow the stack in a timer and kill the fleet.
    const deep = `{"v":1,"epoch":1,"low":1,"records":[{"seq":1,"ts":1,"data":${nested(10_000)}}]}`;
    await evil.client.publishAsync(t, deep, { qos: 1 });
    for (const leaf of ['birth', 'state', 'cmd-ack', 'cfg/reported', 'frame']) {
      await evil.client.publishAsync(`tabla/v1/bus-32/${leaf}`, `{"v":1,"x":${nested(5000)}}`, { qos: 1 });
    }
    // A `low` past the records sent would move the mark over seqs never sent.
    await evil.client.publishAsync(t, batch(1_000_000, [5]), { qos: 1 });
    // Just inside the depth limit is fine.
    await evil.client.publishAsync(t, batch(1, [1], () => JSON.parse(nested(MAX_JSON_DEPTH - 4))), { qos: 1 });
    await waitFor('the good batch acked', () => evil.acks.some((a) => a.gps === 1));
    assert.is(fleet.metrics.get('tabla_messages_refused_total', { kind: 'telemetry' }), 2);
    assert.is(fleet.metrics.total('tabla_messages_refused_total'), 7);
    assert.equal(storedSeqs(fleet, 'bus-32', 'gps'), [1]);
    const streams = (await api(fleet, 'GET', '/api/devices/bus-32')).body.streams;
    assert.is(streams[0].hwm, 1, 'the mark never moved past what the device sent');
    assert.is((await health(fleet)).status, 200);
  } finally {
    await opened?.client.endAsync(true);
    await fleet.stop();
  }
});

test("the fleet's disk full: nothing acked, health degraded, counted; when space is back the resends are stored once", async () => {
  const fs_ = mountTmpfs('8m');
  if (fs_.dir === null) {
    console.log(`  skipped: cannot mount a tmpfs (${'reason' in fs_ ? fs_.reason : ''})`);
    return;
  }
  let startedFleet: FleetService | null = null;
  let opened: AckedClient | null = null;
  try {
    const fleet = (startedFleet = await startFleet({ dataDir: fs_.dir }));
    const dev = (opened = await ackedClient(fleet, 'bus-33'));
    const t = topic.telemetry('bus-33', 'gps');
    const big = (seq: number) => ({ seq, pad: 'x'.repeat(2000) });
    let filler = '';
    await dev.client.publishAsync(t, batch(1, [1, 2, 3], big), { qos: 1 });
    await waitFor('acked before the disk fills', () => dev.acks.some((a) => a.gps === 3));
    filler = fillDisk(fs_.dir);
    // Enough rows to need new pages: the commit fails with SQLITE_FULL.
    const seqs = Array.from({ length: 100 }, (_, i) => i + 4);
    await dev.client.publishAsync(t, batch(4, seqs, big), { qos: 1 });
    await waitFor('the failure counted', () => fleet.metrics.get('tabla_ingest_errors_total') >= 1);
    const h = await health(fleet);
    assert.is(h.status, 503, 'degraded while ingest fails');
    assert.ok(h.body.ingest.lastError, 'with the error');
    assert.ok(!dev.acks.some((a) => (a.gps ?? 0) > 3), 'nothing acked past what is stored');
    assert.is(fleet.metrics.get('tabla_ingest_parked_total'), 0, 'a storage failure is not the batch\'s fault: not parked');

    fs.rmSync(filler);
    await dev.client.publishAsync(t, batch(4, seqs, big), { qos: 1 });
    await waitFor('the resend acked', () => dev.acks.some((a) => a.gps === 103), 10_000);
    const stored = storedSeqs(fleet, 'bus-33', 'gps');
    assert.is(stored.length, 103);
    assert.is(stored[102], 103, 'each seq once');
  } finally {
    await opened?.client.endAsync(true);
    await startedFleet?.stop();
    fs_.unmount();
  }
});

test("the fleet's wall clock stepped back an hour and forward a day: ingest goes on, queued commands keep their lifetime, the steps are counted", async () => {
  const clock = new SteppableClock();
  const fleet = await startFleet({ clock });
  let opened: AckedClient | null = null;
  try {
    const dev = (opened = await ackedClient(fleet, 'bus-34'));
    const t = topic.telemetry('bus-34', 'gps');
    const cmd = fleet.issueCommand('bus-34', 'ping', {}, 600); // bus-34 is not an agent: it stays queued
    const steps = (direction: string) => fleet.metrics.get('tabla_clock_steps_total', { direction });
    for (let i = 1; i <= 40; i++) {
      if (i === 10) clock.step(-3600_000);
      if (i === 20) await waitFor('the step back counted', () => steps('back') === 1, 5000);
      if (i === 25) clock.step(24 * 3600_000);
      await dev.client.publishAsync(t, batch(i, [i]), { qos: 1 });
      await waitFor(`ack ${i}`, () => dev.acks.some((a) => a.gps === i), 3000);
    }
    assert.equal(storedSeqs(fleet, 'bus-34', 'gps').length, 40);
    await waitFor('the step forward counted', () => steps('forward') === 1, 5000);
    assert.is(steps('back'), 1);
    fleet.commands.expire();
    const c = fleet.commands.get(cmd.cmdId)!;
    assert.is(c.status, 'queued', 'a day forward did not expire a 10-minute command issued a moment ago');
    assert.ok(Math.abs(c.expiresAt - clock.now() - 600_000) < 60_000, 'its expiry moved with the clock');
    const h = await health(fleet);
    assert.is(h.status, 200);
  } finally {
    await opened?.client.endAsync(true);
    await fleet.stop();
  }
});

test.run();
