import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { MAX_PAYLOAD_BYTES, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { api, deviceClient, fleetClient, provision, quiet, startFleet, storedSeqs, waitFor } from '../helpers.js';

test('malformed device payloads (not JSON, wrong schema, oversize) are refused, counted, and the fleet keeps running', async () => {
  const fleet = await startFleet();
  let opened: MqttClient | null = null;
  try {
    const { secret } = fleet.registry.provision({ id: 'cnt-1', role: 'car-park-counter' });
    let client = (opened = await deviceClient(fleet, 'cnt-1', secret));
    const t = topic.telemetry('cnt-1', 'loops');
    await client.publishAsync(t, 'not json {', { qos: 1 });
    await client.publishAsync(t, JSON.stringify({ v: 1, epoch: 1, low: 1, records: [{ seq: 'one', ts: 1, data: {} }] }), { qos: 1 });
    await client.publishAsync(t, JSON.stringify({ v: 2, epoch: 1, low: 1, records: [{ seq: 1, ts: 1, data: {} }] }), { qos: 1 });
    await client.publishAsync(topic.birth('cnt-1'), JSON.stringify({ v: 1, epoch: 0 }), { qos: 1 });
    // Big but under the limit: reaches the fleet, refused by the schema (records out of order).
    const big = { v: 1, epoch: 1, low: 1, records: [{ seq: 2, ts: 1, data: 'x'.repeat(200_000) }, { seq: 1, ts: 1, data: {} }] };
    await client.publishAsync(t, JSON.stringify(big), { qos: 1 });
    await waitFor('5 refusals counted', () => fleet.metrics.total('tabla_messages_refused_total') === 5);
    assert.is(fleet.metrics.get('tabla_messages_refused_total', { kind: 'telemetry' }), 4);
    assert.is(fleet.metrics.get('tabla_messages_refused_total', { kind: 'birth' }), 1);

    // Oversize: the broker refuses it before the fleet parses anything (and drops the connection).
    const before = fleet.metrics.get('tabla_broker_refusals_total', { kind: 'publish' });
    client.publish(t, Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x7b), { qos: 0 });
    await waitFor('oversize refused by the broker', () => fleet.metrics.get('tabla_broker_refusals_total', { kind: 'publish' }) === before + 1);
    await client.endAsync(true);

    // Still running: health is fine and a good record is stored.
    assert.is((await fetch(fleet.httpUrl + '/healthz')).status, 200);
    client = opened = await deviceClient(fleet, 'cnt-1', secret);
    await client.publishAsync(t, JSON.stringify({ v: 1, epoch: 1, low: 1, records: [{ seq: 1, ts: Date.now(), data: { in: 1 } }] }), { qos: 1 });
    await waitFor('good record stored', () => storedSeqs(fleet, 'cnt-1', 'loops').length === 1);
    const metrics = await (await fetch(fleet.httpUrl + '/metrics')).text();
    assert.match(metrics, /tabla_messages_refused_total\{kind="telemetry"\} 4/);
    assert.is(storedSeqs(fleet, 'cnt-1', 'loops').length, 1, 'nothing of the refused payloads was stored');
  } finally {
    await opened?.endAsync(true);
    await fleet.stop();
  }
});

test('malformed fleet payloads (ack, cmd, cfg/desired, content) are refused by the agent, which keeps working', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const agent = (started = new Agent({ config: provision(fleet, 'stop-5', 'stop-display'), log: quiet }));
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    await waitFor('agent ready', () => agent.link.fleetOnline);
    await fc.publishAsync(topic.ack('stop-5'), 'nonsense', { qos: 1 });
    await fc.publishAsync(topic.ack('stop-5'), JSON.stringify({ v: 1, ts: 1, streams: { gps: -4 } }), { qos: 1 });
    await fc.publishAsync(topic.cfgDesired('stop-5'), JSON.stringify({ v: 1, version: 'x' }), { qos: 1 });
    await fc.publishAsync(topic.content('stop-5'), '{', { qos: 1 });
    await waitFor('4 refusals', () => agent.refused === 4);
    await fc.publishAsync(topic.cmd('stop-5', 'ping'), '{"cmdId": 5}', { qos: 1 });
    const seq = await agent.record('log', { ok: true });
    await waitFor('still drains', () => agent.outbox.depth() === 0);
    assert.equal(storedSeqs(fleet, 'stop-5', 'log'), [seq]);
    const res = await api(fleet, 'POST', '/api/devices/stop-5/commands', { verb: 'ping' });
    await waitFor('ping answered', async () => (await api(fleet, 'GET', `/api/devices/stop-5/commands/${res.body.cmdId}`)).body.status === 'succeeded');
  } finally {
    await opened?.endAsync();
    await started?.stop();
    await fleet.stop();
  }
});

test.run();
