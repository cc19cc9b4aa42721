import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { quiet, provision, startFleet, storedSeqs, waitFor, api } from '../helpers.js';

test('provision → connect → birth → telemetry → stored once → ack → outbox empty', async () => {
  const fleet = await startFleet();
  const agent = new Agent({ config: provision(fleet, 'bus-1', 'bus'), log: quiet });
  try {
    assert.is(fleet.presence.of('bus-1'), 'unknown');
    await agent.start();
    await waitFor('birth', () => fleet.presence.of('bus-1') === 'online');
    assert.ok(fleet.registry.get('bus-1')!.birth, 'birth stored');
    // The heartbeat (retained state) carries the board's health, the outbox and each module's status.
    const state = await waitFor('heartbeat with link ok', () => {
      const s = fleet.registry.get('bus-1')!.state;
      return s?.modules?.link?.status === 'ok' ? s : null;
    });
    assert.ok(state.health!.memTotalBytes > 0 && state.health!.uptimeS > 0);
    assert.type(state.health!.cpuLoad1, 'number');
    assert.ok(state.health!.diskFreeBytes! > 0, 'disk free under the data directory');
    assert.equal(state.outbox, { depth: 0, oldestAgeS: null, dropped: 0 });
    assert.equal(state.modules!.outbox, { status: 'ok' });
    const seqs = await Promise.all([1, 2, 3, 4, 5].map((i) => agent.record('gps', { lat: 46.36, lon: 15.11, i })));
    assert.equal(seqs, [1, 2, 3, 4, 5]);
    await waitFor('outbox drained', () => agent.outbox.depth() === 0);
    assert.equal(storedSeqs(fleet, 'bus-1', 'gps'), [1, 2, 3, 4, 5]);
    assert.equal(fleet.ingest.records('bus-1', 'gps', 2, 1)[0]!.data, { lat: 46.36, lon: 15.11, i: 3 });
    const { body } = await api(fleet, 'GET', '/api/devices/bus-1');
    assert.is(body.presence, 'online');
    assert.equal(body.streams[0], { stream: 'gps', hwm: 5, maxSeq: 5, stored: 5, duplicates: 0, lost: 0, gaps: 0 });
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
