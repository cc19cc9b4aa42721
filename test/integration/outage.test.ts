import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { quiet, provision, startFleet, storedSeqs, waitFor } from '../helpers.js';

test('broker stopped while an agent produces 1,000 records, then restarted: all stored exactly once, in order per stream', async () => {
  let fleet = await startFleet();
  const dataDir = fleet.options.dataDir;
  const mqttPort = fleet.broker!.port;
  const config = provision(fleet, 'bus-7', 'bus', {
    outbox: { streams: { apc: { priority: 0 }, gps: { priority: 5 } } },
  });
  const agent = new Agent({ config, log: quiet });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-7') === 'online' && agent.link.fleetOnline);
    await fleet.stop();
    await waitFor('agent sees the link down', () => !agent.link.connected);

    // 1,000 records over two streams while nothing is there to take them.
    const accepted: Promise<number>[] = [];
    for (let i = 0; i < 1000; i++) {
      const stream = i % 4 === 0 ? 'apc' : 'gps';
      accepted.push(agent.record(stream, { i }));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(accepted);
    assert.is(agent.outbox.depth(), 1000, 'everything waits in the outbox');

    fleet = await startFleet({ dataDir, mqttPort });
    await waitFor('agent reconnects and drains', () => agent.outbox.depth() === 0, 20_000);

    const apc = storedSeqs(fleet, 'bus-7', 'apc');
    const gps = storedSeqs(fleet, 'bus-7', 'gps');
    assert.equal(apc, Array.from({ length: 250 }, (_, k) => k + 1));
    assert.equal(gps, Array.from({ length: 750 }, (_, k) => k + 1));
    // In order: within each stream, seq order is production order.
    for (const stream of ['apc', 'gps']) {
      const is = fleet.ingest.records('bus-7', stream).map((r) => (r.data as { i: number }).i);
      assert.ok(is.every((v, k) => k === 0 || v > is[k - 1]!), `${stream} stored in production order`);
    }
    assert.is(fleet.ingest.count('bus-7'), 1000);
    assert.ok(agent.link.epoch >= 2, 'a new session epoch after the reconnect');
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
