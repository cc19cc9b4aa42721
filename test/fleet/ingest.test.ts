import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import { FleetState, encode, topic } from '../../protocols/index.js';
import { api, deviceClient, fleetClient, provision, quiet, startFleet, storedSeqs, tmpDir, waitFor } from '../helpers.js';

const batch = (low: number, seqs: number[]) =>
  JSON.stringify({ v: 1, epoch: 1, low, records: seqs.map((seq) => ({ seq, ts: Date.now(), data: { seq } })) });

test('ingest: duplicates dropped and counted, gaps visible until filled, seqs below low counted as lost; acks carry the contiguous mark', async () => {
  const fleet = await startFleet();
  let client: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'bus-5', role: 'bus' });
    client = await deviceClient(fleet, 'bus-5', secret);
    const acks: Record<string, number>[] = [];
    client.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).streams));
    await client.subscribeAsync(topic.ack('bus-5'), { qos: 1 });
    const t = topic.telemetry('bus-5', 'gps');
    const stream = async () => (await api(fleet, 'GET', '/api/devices/bus-5')).body.streams[0];
    await client.publishAsync(t, batch(1, [1, 2]), { qos: 1 });
    await client.publishAsync(t, batch(1, [4, 5]), { qos: 1 });
    await waitFor('two acks', () => acks.length === 2);
    assert.equal(acks, [{ gps: 2 }, { gps: 2 }], 'the mark stops at the gap');
    assert.equal(await stream(), { stream: 'gps', hwm: 2, maxSeq: 5, stored: 4, duplicates: 0, lost: 0, gaps: 1 });

    await client.publishAsync(t, batch(1, [2, 3]), { qos: 1 });
    await waitFor('third ack', () => acks.length === 3);
    assert.equal(acks[2], { gps: 5 }, 'the gap filled: the mark jumps over what was already stored');
    assert.equal(await stream(), { stream: 'gps', hwm: 5, maxSeq: 5, stored: 5, duplicates: 1, lost: 0, gaps: 0 });

    // The device dropped 6–8 (capacity or TTL): its next batch says low = 9.
    await client.publishAsync(t, batch(9, [9, 10]), { qos: 1 });
    await waitFor('fourth ack', () => acks.length === 4);
    assert.equal(acks[3], { gps: 10 });
    assert.equal(await stream(), { stream: 'gps', hwm: 10, maxSeq: 10, stored: 7, duplicates: 1, lost: 3, gaps: 0 });
    assert.equal(storedSeqs(fleet, 'bus-5', 'gps'), [1, 2, 3, 4, 5, 9, 10]);
    assert.is(fleet.metrics.get('tabla_telemetry_duplicates_total'), 1);
  } finally {
    await client?.endAsync();
    await fleet.stop();
  }
});

test("an agent holds its backlog while the fleet's retained state is offline, and drains when it is back", async () => {
  const fleet = await startFleet();
  const agent = new Agent({ config: provision(fleet, 'cnt-2', 'car-park-counter'), log: quiet });
  let fc: MqttClient | null = null;
  try {
    fc = await fleetClient(fleet);
    await agent.start();
    await waitFor('draining', () => agent.link.fleetOnline);
    await fc.publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: Date.now(), status: 'offline' }), { qos: 1, retain: true });
    await waitFor('agent sees the fleet offline', () => !agent.link.fleetOnline);
    await Promise.all([1, 2, 3].map((i) => agent.record('loops', { i })));
    await new Promise((r) => setTimeout(r, 300));
    assert.is(agent.outbox.depth(), 3, 'nothing sent while the fleet is away');
    assert.equal(storedSeqs(fleet, 'cnt-2', 'loops'), []);
    await fc.publishAsync(topic.fleetState(), encode(FleetState, { v: 1, ts: Date.now(), status: 'online' }), { qos: 1, retain: true });
    await waitFor('drained', () => agent.outbox.depth() === 0);
    assert.equal(storedSeqs(fleet, 'cnt-2', 'loops'), [1, 2, 3]);
  } finally {
    await fc?.endAsync();
    await agent.stop();
    await fleet.stop();
  }
});

test('a device back with a new outbox (new SD card, seqs from 1 again): new records stored, old ones kept apart, nothing taken for a duplicate', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-6', 'bus');
  let agent = new Agent({ config, log: quiet });
  try {
    await agent.start();
    for (const i of [1, 2, 3]) await agent.record('gps', { card: 'old', i });
    await waitFor('old card drained', () => agent.outbox.depth() === 0);
    const oldId = agent.outbox.id;
    await agent.stop();

    agent = new Agent({ config: { ...config, dataDir: tmpDir('tabla-bus-6-new-card-') }, log: quiet });
    assert.is.not(agent.outbox.id, oldId, 'a new database is a new outbox');
    await agent.start();
    for (const i of [1, 2]) await agent.record('gps', { card: 'new', i });
    await waitFor('new card drained', () => agent.outbox.depth() === 0);

    const rows = (stream: string) =>
      fleet.ingest.records('bus-6', stream).map((r) => [r.seq, (r.data as { card: string }).card]);
    assert.equal(rows('gps'), [[1, 'new'], [2, 'new']]);
    assert.equal(rows(`gps~${oldId}`), [[1, 'old'], [2, 'old'], [3, 'old']]);
    assert.is(fleet.metrics.get('tabla_telemetry_duplicates_total'), 0);
    assert.is(fleet.metrics.get('tabla_outbox_replaced_total'), 1);
    const streams = (await api(fleet, 'GET', '/api/devices/bus-6')).body.streams.map((x: { stream: string; hwm: number }) => [x.stream, x.hwm]);
    assert.equal(streams, [['gps', 2], [`gps~${oldId}`, 3]]);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
