import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { Command, encode, topic } from '../../protocols/index.js';
import type { MqttClient } from 'mqtt';
import { SteppableClock, api, fleetClient, provision, quiet, startFleet, waitFor } from '../helpers.js';

const final = (fleet: Awaited<ReturnType<typeof startFleet>>, cmdId: string) =>
  waitFor(`command ${cmdId} final`, () => {
    const c = fleet.commands.get(cmdId)!;
    return ['succeeded', 'failed', 'rejected', 'expired'].includes(c.status) ? c : null;
  });

test('commands: ping succeeds, a repeated cmdId is answered but not run twice, unknown verbs and expired commands are rejected', async () => {
  const fleet = await startFleet();
  let identified = 0;
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  try {
    const agent = (started = new Agent({ config: provision(fleet, 'bus-2'), log: quiet, onIdentify: () => void identified++ }));
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-2') === 'online');

    const ping = await api(fleet, 'POST', '/api/devices/bus-2/commands', { verb: 'ping' });
    assert.is(ping.status, 202);
    const pinged = await final(fleet, ping.body.cmdId);
    assert.is(pinged.status, 'succeeded');
    assert.type((pinged.result as { pong: number }).pong, 'number');

    const id = fleet.issueCommand('bus-2', 'identify');
    assert.is((await final(fleet, id.cmdId)).status, 'succeeded');
    assert.is(identified, 1);
    // The same command again (a redelivery after a reconnect looks like this).
    const acks: { cmdId: string; status: string }[] = [];
    fc.on('message', (_t, p) => acks.push(JSON.parse(p.toString())));
    const of = (cmdId: string) => acks.filter((a) => a.cmdId === cmdId).map((a) => a.status);
    await fc.subscribeAsync(topic.cmdAck('bus-2'), { qos: 1 });
    await fc.publishAsync(topic.cmd('bus-2', 'identify'), encode(Command, fleet.commands.toWire(id)), { qos: 1 });
    await waitFor('repeat answered', () => of(id.cmdId).length === 1);
    assert.equal(of(id.cmdId), ['succeeded']);
    assert.is(identified, 1, 'not executed twice');

    const rebirth = fleet.issueCommand('bus-2', 'rebirth');
    assert.is((await final(fleet, rebirth.cmdId)).status, 'succeeded');
    assert.equal(agent.state().modules!.link, { status: 'ok' }, 'a rebirth does not leave the link looking degraded');

    const bogus = fleet.issueCommand('bus-2', 'self-destruct');
    const b = await final(fleet, bogus.cmdId);
    assert.is(b.status, 'rejected');
    assert.match(b.error!, /unknown verb self-destruct/);

    const lvl = fleet.issueCommand('bus-2', 'set-log-level', { level: 'loud' });
    assert.is((await final(fleet, lvl.cmdId)).status, 'rejected');

    // Expired before it arrived: the device rejects it.
    const late = { v: 1 as const, cmdId: 'late-1', issuedAt: Date.now() - 60_000, expiresAt: Date.now() - 1000, args: {} };
    await fc.publishAsync(topic.cmd('bus-2', 'ping'), encode(Command, late), { qos: 1 });
    await waitFor('late rejected', () => of('late-1').length === 1);
    assert.equal(of('late-1'), ['rejected'], 'rejected without a received first');
  } finally {
    await opened?.endAsync();
    await started?.stop();
    await fleet.stop();
  }
});

test('commands issued while a device is offline are delivered in order on reconnect; unfinished ones expire', async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'bus-3');
  let agent = new Agent({ config, log: quiet });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-3') === 'online');
    await agent.stop();
    await waitFor('offline', () => fleet.presence.of('bus-3') === 'offline');

    const stale = fleet.issueCommand('bus-3', 'identify', {}, 1);
    const a = fleet.issueCommand('bus-3', 'set-log-level', { level: 'debug' });
    const b = fleet.issueCommand('bus-3', 'ping');
    const c = fleet.issueCommand('bus-3', 'set-log-level', { level: 'warn' });
    assert.is(fleet.commands.get(a.cmdId)!.status, 'queued');
    await new Promise((r) => setTimeout(r, 1100));
    agent = new Agent({ config, log: quiet });
    await agent.start();
    for (const x of [a, b, c]) assert.is((await final(fleet, x.cmdId)).status, 'succeeded');
    assert.is(fleet.commands.get(stale.cmdId)!.status, 'expired', 'expired, never delivered');
    assert.is(agent.log.level, 'warn', 'executed in issue order');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('restart is acknowledged before the agent hands over to its supervisor', async () => {
  const fleet = await startFleet();
  let restarted = 0;
  let cmdId = '';
  const agent: Agent = new Agent({
    config: provision(fleet, 'bus-4'),
    log: quiet,
    onRestart: () => {
      restarted++;
      agent.link.kill(); // the process goes away at once, as process.exit would
    },
  });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-4') === 'online');
    cmdId = fleet.issueCommand('bus-4', 'restart').cmdId;
    await waitFor('restart requested', () => restarted === 1);
    const done = await final(fleet, cmdId);
    assert.is(done.status, 'succeeded', 'the ack was with the broker before the agent went away');
    assert.is(restarted, 1);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test("a device whose clock is days off judges a command's expiry by the fleet's clock: fresh ones run, stale ones are refused", async () => {
  const fleet = await startFleet();
  const clock = new SteppableClock();
  let started: Agent | null = null;
  let opened: MqttClient | null = null;
  let subscribed: MqttClient | null = null;
  try {
    const agent = (started = new Agent({ config: provision(fleet, 'bus-4'), log: quiet, clock }));
    const fc = (opened = await fleetClient(fleet));
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-4') === 'online');
    clock.step(3 * 24 * 3600_000); // a Pi without an RTC that jumped ahead (or a wrong NTP server)
    assert.is((await final(fleet, fleet.issueCommand('bus-4', 'ping', {}, 60).cmdId)).status, 'succeeded');
    clock.step(-6 * 24 * 3600_000);
    assert.is((await final(fleet, fleet.issueCommand('bus-4', 'ping', {}, 60).cmdId)).status, 'succeeded');
    // Sent after its expiry (by the fleet's own clock): refused, whatever the device's clock says.
    const now = Date.now();
    const stale = { v: 1 as const, cmdId: 'stale-1', issuedAt: now - 120_000, expiresAt: now - 60_000, sentAt: now, args: {} };
    await fc.publishAsync(topic.cmd('bus-4', 'ping'), encode(Command, stale), { qos: 1 });
    const acks: string[] = [];
    const sub = (subscribed = await fleetClient(fleet, 'acks'));
    sub.on('message', (_t, p) => acks.push(JSON.parse(p.toString()).status));
    await sub.subscribeAsync(topic.cmdAck('bus-4'));
    await fc.publishAsync(topic.cmd('bus-4', 'ping'), encode(Command, { ...stale, cmdId: 'stale-2' }), { qos: 1 });
    await waitFor('stale command refused', () => acks.includes('rejected'));
    await sub.endAsync(true);
  } finally {
    await subscribed?.endAsync(true);
    await opened?.endAsync(true);
    await started?.stop();
    await fleet.stop();
  }
});

test.run();
