/**
 * `tabla outbox <id>`: the device's outbox from its last heartbeat beside the fleet's per-stream
 * marks, from a real fleet fed over real MQTT on loopback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Birth, State, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, deviceClient, startFleet, tabla, waitFor } from '../helpers.js';

const batch = (low: number, seqs: number[]) => JSON.stringify({ v: 1, epoch: 1, low, records: seqs.map((seq) => ({ seq, ts: Date.now(), data: { seq } })) });

test('outbox shows depth, oldest and dropped from the heartbeat, and each stream with its marks and gaps', async () => {
  const fleet = await startFleet();
  let opened: MqttClient | null = null;
  try {
    const client = (opened = await deviceClient(fleet, 'bus-5', fleet.registry.provision({ id: 'bus-5', role: 'bus' }).secret));
    const before = await tabla(['outbox', 'bus-5'], { fleet });
    assert.is(before.code, 0, before.stderr);
    assert.match(before.stdout, /^bus-5: outbox not reported yet \(no heartbeat; device \w+\)\n\n\(no telemetry stored yet\)\n$/);

    await client.publishAsync(topic.birth('bus-5'), encode(Birth, { v: 1, epoch: 1, ts: Date.now(), role: 'bus', versions: { agent: 'test' }, heartbeatS: 60, configVersion: 0 }), { qos: 1 });
    await client.publishAsync(topic.telemetry('bus-5', 'gps'), batch(1, [1, 2, 4]), { qos: 1 });
    await client.publishAsync(topic.state('bus-5'), encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'online', outbox: { depth: 42, oldestAgeS: 300, dropped: 3 } }), { qos: 1, retain: true });
    await waitFor('state and telemetry in', async () => {
      const d = (await api(fleet, 'GET', '/api/devices/bus-5')).body as { outbox: { depth: number } | null; streams: { maxSeq: number }[] };
      return d.outbox?.depth === 42 && d.streams[0]?.maxSeq === 4;
    });

    const [text, bare, json, unknown] = await Promise.all([
      tabla(['outbox', 'bus-5'], { fleet }),
      tabla(['outbox', 'bus-5', '--no-headers'], { fleet }),
      tabla(['outbox', 'bus-5', '--json'], { fleet }),
      tabla(['outbox', 'bus-404'], { fleet }),
    ]);
    assert.is(text.code, 0, text.stderr);
    assert.match(text.stdout, /^bus-5: outbox 42 records, oldest 5m, dropped 3\n\(from the last heartbeat, \d+s ago; device online\)\n\n/);
    assert.match(text.stdout, /\nstream  hwm  max seq  gaps  stored  duplicates  lost  last received\ngps       2        4     1       3           0     0  (\d+s ago|-)\n$/);
    assert.not.match(bare.stdout, 'stream  hwm');
    assert.match(bare.stdout, /\ngps {2,}2 {2,}4 {2,}1 {2,}3/);
    const j = JSON.parse(json.stdout);
    assert.equal(j.outbox, { depth: 42, oldestAgeS: 300, dropped: 3 });
    assert.equal(j.streams, [{ stream: 'gps', hwm: 2, maxSeq: 4, stored: 3, duplicates: 0, lost: 0, gaps: 1 }]);
    assert.is(unknown.code, 1);
    assert.is(unknown.stderr, 'tabla: no device bus-404 (tabla devices lists them)\n');
  } finally {
    await opened?.endAsync();
    await fleet.stop();
  }
});

test.run();
