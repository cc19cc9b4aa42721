/**
 * The link's clean stop against a real broker (aedes on loopback) that holds the device's `offline`
 * for a while before acking it, as a busy broker does: whatever reaches the device meanwhile must
 * not act, or the device says `online` after its own `offline`.
 */
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aedes } from 'aedes';
import { Link } from '../../device/link.js';
import { AgentConfig, FleetState, State, decode, encode, topic } from '../../protocols/index.js';
import { quiet, tmpDir, waitFor } from '../helpers.js';

test("a fleet `online` arriving while the link stops sets nothing off: the device's last word is `offline`", async () => {
  const states: string[] = [];
  const aedes = await Aedes.createBroker({
    authorizePublish(client, packet, callback) {
      if (!client || packet.topic !== topic.state('stop-7')) return callback(null);
      const state = decode(State, packet.payload as Buffer);
      const status = state.ok ? state.value.status : 'refused';
      if (status !== 'offline') {
        states.push(status);
        return callback(null);
      }
      // The broker is slow with this one: the fleet's retained `online` reaches the device first.
      aedes.publish(
        { cmd: 'publish', topic: topic.fleetState(), payload: Buffer.from(encode(FleetState, { v: 1, ts: Date.now(), status: 'online', startedAt: Date.now() })), qos: 1, retain: true, dup: false },
        () => {},
      );
      setTimeout(() => {
        states.push(status);
        callback(null);
      }, 300);
    },
  });
  const server = net.createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const config = AgentConfig.parse({ deviceId: 'stop-7', role: 'stop-display', dataDir: tmpDir(), mqtt: { url: `mqtt://127.0.0.1:${port}`, password: 'x' } });

  const fleetSeen: boolean[] = [];
  let session: { publish(t: string, p: string, o?: { retain?: boolean }): Promise<void> } | null = null;
  const sayOnline = () => session?.publish(topic.state('stop-7'), encode(State, { v: 1, epoch: 1, ts: Date.now(), status: 'online' }), { retain: true }).catch(() => {});
  const link = new Link(
    config,
    () => 1,
    {
      onSession: (s) => {
        session = s;
        void sayOnline();
      },
      // As the agent does: the fleet is online, so a heartbeat at once.
      onFleet: (online) => {
        fleetSeen.push(online);
        if (online) void sayOnline();
      },
      onMessage: () => {},
      onDown: () => {
        session = null;
      },
    },
    quiet,
  );
  try {
    link.start();
    await waitFor('the session', () => link.connected && states.length === 1);
    await link.stop();
    await new Promise((r) => setTimeout(r, 200)); // anything still in flight reaches the broker
    assert.equal(fleetSeen, [], 'the fleet state that came during the stop was not acted on');
    assert.equal(states, ['online', 'offline']);
  } finally {
    await link.stop();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test.run();
