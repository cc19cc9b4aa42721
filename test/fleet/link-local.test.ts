/**
 * How the fleet reaches its embedded broker (fleet/link-local.ts, fleet/link.ts): in process by
 * default, over loopback MQTT with `link: 'mqtt'`. Both must give a device the same contract: its
 * telemetry stored once and acked, the fleet's retained presence, commands and content delivered;
 * and the in-process one must take what was retained before it attached, as a SUBSCRIBE would.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeTelemetryBatch, topic } from '../../protocols/index.js';
import { deviceClient, startFleet, storedSeqs, waitFor } from '../helpers.js';

for (const link of ['local', 'mqtt'] as const) {
  test(`link ${link}: telemetry stored once and acked, the fleet's presence retained, content delivered`, async () => {
    const fleet = await startFleet({ link });
    try {
      const { secret } = fleet.registry.provision({ id: 'lnk-1', role: 'bus', site: 'test' });
      const client = await deviceClient(fleet, 'lnk-1', secret);
      const seen: { topic: string; body: string }[] = [];
      client.on('message', (t, p) => seen.push({ topic: t, body: p.toString() }));
      await client.subscribeAsync([topic.ack('lnk-1'), topic.content('lnk-1'), topic.fleetState()], { qos: 1 });
      const state = await waitFor('the fleet online (retained)', () => seen.find((m) => m.topic === topic.fleetState()));
      assert.match(state.body, /"status":"online"/);
      const batch = encodeTelemetryBatch(1, 1, [{ seq: 1, ts: Date.now(), data: JSON.stringify({ lat: 46.36, lon: 15.11, speed: 3, course: 90, fix: '3d', hdop: 0.9, sats: 9 }) }]);
      await client.publishAsync(topic.telemetry('lnk-1', 'gps'), batch, { qos: 1 });
      await client.publishAsync(topic.telemetry('lnk-1', 'gps'), batch, { qos: 1 }); // a resend
      const ack = await waitFor('the ack', () => seen.find((m) => m.topic === topic.ack('lnk-1')));
      assert.match(ack.body, /"gps":1/);
      await waitFor('stored', () => storedSeqs(fleet, 'lnk-1', 'gps').length === 1);
      assert.equal(storedSeqs(fleet, 'lnk-1', 'gps'), [1]);
      assert.ok(fleet.outgoing.content('lnk-1', 'service-messages', { messages: [{ id: 'm1', text: 'Obvoz' }] }));
      const content = await waitFor('content', () => seen.find((m) => m.topic === topic.content('lnk-1')));
      assert.match(content.body, /Obvoz/);
      assert.ok(fleet.mqttConnected);
      await client.endAsync();
    } finally {
      await fleet.stop();
    }
  });
}

test('in process: what devices retained before the fleet attached reaches it (a state published in between)', async () => {
  const fleet = await startFleet();
  try {
    const { secret } = fleet.registry.provision({ id: 'lnk-2', role: 'bus', site: 'test' });
    const client = await deviceClient(fleet, 'lnk-2', secret);
    const state = { v: 1, ts: Date.now(), status: 'online', uptimeS: 5 };
    await client.publishAsync(topic.state('lnk-2'), JSON.stringify(state), { qos: 1, retain: true });
    await client.endAsync(); // PUBACK came: the broker holds it retained
    // A second attachment, as after a restart of the link: the retained state is handed over again.
    const broker = fleet.broker!;
    const got: string[] = [];
    const attachment = await broker.attachLocal([topic.state('+')], (t) => got.push(t));
    assert.ok(got.includes(topic.state('lnk-2')), got.join(', '));
    assert.ok(got.includes(topic.state('_fleet')), 'and the fleet\'s own presence');
    await attachment.detach();
  } finally {
    await fleet.stop();
  }
});

test.run();
