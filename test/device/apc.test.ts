/**
 * The bus's passenger counts: simulated doors (hardware/door/, the real beam logic) walked through
 * by seeded passengers, a real agent with the apc module, a real fleet storing the records.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { StopVisit, apc } from '../../device/modules/apc/index.js';
import { createDoorCounter } from '../../hardware/door/door.js';
import { api, provision, quiet, startFleet, waitFor } from '../helpers.js';

test('a stop visit: counts per door, and the load never below 0 (clamps counted)', () => {
  const v = new StopVisit();
  v.add({ door: 2, direction: 'out', at: 1 });
  v.add({ door: 1, direction: 'in', at: 2 });
  v.add({ door: 2, direction: 'out', at: 3 });
  assert.equal(v.doors(), [
    { door: 1, boardings: 1, alightings: 0 },
    { door: 2, boardings: 0, alightings: 2 },
  ]);
  assert.equal(v.onboardAfter(5), { onboard: 4, clamped: 0 });
  assert.equal(v.onboardAfter(0), { onboard: 0, clamped: 1 });
});

test('simulated passengers at two stops become two apc records with the running load; apc-reset zeroes it', async () => {
  const fleet = await startFleet();
  const doors = createDoorCounter({ kind: 'simulated', doors: [1, 2] });
  const module = apc();
  const agent = new Agent({ config: provision(fleet, 'bus-apc', 'bus', { settings: { modules: { apc: { visitQuietS: 2 } } } }), log: quiet, modules: [module], drivers: { doors } });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of('bus-apc') === 'online');
    await doors.simulateStop({ door: 1, boardings: 4, alightings: 0, seed: 1 });
    await doors.simulateStop({ door: 2, boardings: 0, alightings: 1, seed: 2 });
    await waitFor('first visit stored', () => fleet.ingest.records('bus-apc', 'apc').length === 1, 15_000);
    await doors.simulateStop({ door: 2, boardings: 1, alightings: 3, seed: 3 });
    await waitFor('second visit stored', () => fleet.ingest.records('bus-apc', 'apc').length === 2, 15_000);
    const [first, second] = fleet.ingest.records('bus-apc', 'apc').map((r) => r.data as { doors: unknown; onboard: number });
    assert.equal(first!.doors, [
      { door: 1, boardings: 4, alightings: 0 },
      { door: 2, boardings: 0, alightings: 1 },
    ]);
    assert.is(first!.onboard, 3);
    assert.equal(second!.doors, [{ door: 2, boardings: 1, alightings: 3 }]);
    assert.is(second!.onboard, 1);
    const cmd = await api(fleet, 'POST', '/api/devices/bus-apc/commands', { verb: 'apc-reset', args: { reason: 'terminus' } });
    await waitFor('reset', async () => (await api(fleet, 'GET', `/api/devices/bus-apc/commands/${cmd.body.cmdId}`)).body.status === 'succeeded');
    assert.is(module.onboard(), 0);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('without door counters the module says so and the agent runs on', async () => {
  const fleet = await startFleet();
  const agent = new Agent({ config: provision(fleet, 'bus-nodoors', 'bus'), log: quiet, modules: [apc()] });
  try {
    await agent.start();
    assert.equal(agent.state().modules!.apc, { status: 'degraded', error: 'no door counters configured (hardware.doors)' });
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
