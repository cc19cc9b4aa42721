import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { State, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { deviceClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

test("an old session's last will arriving after the new session's birth leaves the device online", async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-12', 'stop-display');
  let agent = new Agent({ config, log: quiet });
  let halfOpen: MqttClient | null = null;
  try {
    // Session 1: the agent connects once and stops cleanly, so its epoch store is at 1.
    await agent.start();
    await waitFor('session 1 online', () => fleet.presence.of('stop-12') === 'online');
    assert.is(agent.link.epoch, 1);
    await agent.stop();
    await waitFor('session 1 offline', () => fleet.presence.of('stop-12') === 'offline');

    // A half-open connection of session 1 lingers at the broker with session 1's will.
    const lingering = (halfOpen = await deviceClient(fleet, 'stop-12', config.mqtt.password, {
      clientId: 'stop-12.old',
      will: { topic: topic.state('stop-12'), payload: Buffer.from(encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'offline' })), qos: 1, retain: true },
    }));
    agent = new Agent({ config, log: quiet });
    await agent.start();
    await waitFor('session 2 online', () => fleet.presence.of('stop-12') === 'online' && fleet.presence.epoch('stop-12') === 2);
    const staleBefore = fleet.metrics.get('tabla_stale_epoch_total');
    // The broker finally notices session 1 is dead and publishes its will.
    lingering.stream.destroy();
    await waitFor('the stale will reached the fleet', () => fleet.metrics.get('tabla_stale_epoch_total') > staleBefore);
    assert.is(fleet.presence.of('stop-12'), 'online');
    assert.is(fleet.presence.epoch('stop-12'), 2);

    // The control: session 2's own will does mark it offline.
    agent.link.kill();
    await waitFor('session 2 will marks offline', () => fleet.presence.of('stop-12') === 'offline');
  } finally {
    await halfOpen?.endAsync(true);
    await agent.stop();
    await fleet.stop();
  }
});

test('a connected device silent past 3 heartbeats is stale; speaking again makes it online', async () => {
  const fleet = await startFleet();
  let opened: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'park-3', role: 'parking-panel' });
    const client = (opened = await deviceClient(fleet, 'park-3', secret));
    const birth = { v: 1, epoch: 1, ts: Date.now(), role: 'parking-panel', versions: {}, heartbeatS: 1, configVersion: 0 };
    await client.publishAsync(topic.birth('park-3'), JSON.stringify(birth), { qos: 1 });
    await waitFor('online', () => fleet.presence.of('park-3') === 'online');
    await waitFor('stale after 3 silent heartbeats', () => fleet.presence.of('park-3') === 'stale', 6000, 100);
    assert.ok(client.connected, 'still connected: stale, not offline');
    await client.publishAsync(topic.state('park-3'), encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'online' }), { qos: 1 });
    await waitFor('online again', () => fleet.presence.of('park-3') === 'online');
  } finally {
    await opened?.endAsync();
    await fleet.stop();
  }
});

test.run();
