/**
 * The bus's gps module end to end: a simulated receiver from the agent config's `hardware.gnss`
 * (real NMEA through the real decoder), the real agent and outbox, a real fleet storing records.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { modulesFor } from '../../device/roles.js';
import { provision, quiet, startFleet, waitFor } from '../helpers.js';

test('a bus with a simulated receiver records its route as gps, one a second while it moves', async () => {
  const fleet = await startFleet();
  const route: [number, number][] = [
    [46.36, 15.11],
    [46.37, 15.11],
  ];
  const config = provision(fleet, 'bus-gps', 'bus', { hardware: { gnss: { kind: 'simulated', route, speedMps: 10 } } });
  const agent = new Agent({ config, log: quiet, modules: modulesFor('bus') });
  try {
    await agent.start();
    await waitFor('four gps records stored', () => fleet.ingest.records('bus-gps', 'gps').length >= 4, 15_000);
    const recs = fleet.ingest.records('bus-gps', 'gps').map((r) => r.data as { time: number; lat: number; lon: number; speed: number; fix: string });
    for (const r of recs) {
      assert.ok(r.lat >= 46.36 && r.lat <= 46.37 && Math.abs(r.lon - 15.11) < 1e-6, `on the route: ${r.lat}, ${r.lon}`);
      assert.is(r.fix, '3d');
    }
    // The first fix has no predecessor to take a speed from (the receiver's own first RMC may say 0).
    assert.ok(recs.slice(1).every((r) => Math.abs(r.speed - 10) < 0.1), `moving at 10 m/s: ${recs.map((r) => r.speed)}`);
    const gaps = recs.slice(2).map((r, i) => r.time - recs[i + 1]!.time);
    assert.ok(gaps.every((g) => g >= 950 && g <= 1050), `one a second while moving: ${gaps}`);
    assert.equal(Object.keys(agent.state().modules!).filter((m) => ['board-watch', 'gps', 'apc'].includes(m)).sort(), ['apc', 'board-watch', 'gps']);
    assert.equal(agent.state().modules!.apc, { status: 'degraded', error: 'no door counters configured (hardware.doors)' });
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test('passenger counts drain before positions (apc lane 1, gps lane 6)', async () => {
  const fleet = await startFleet();
  const agent = new Agent({ config: provision(fleet, 'bus-lanes', 'bus'), log: quiet });
  try {
    assert.is(agent.outbox.policy('apc').priority, 1);
    assert.is(agent.outbox.policy('gps').priority, 6);
    for (let i = 0; i < 5; i++) await agent.record('gps', { time: Date.now(), lat: 46.36, lon: 15.11, speed: 0, course: 0, fix: '3d' });
    await agent.record('apc', { doors: [{ door: 1, boardings: 2, alightings: 0 }], onboard: 2 });
    assert.equal(agent.outbox.streams(), ['apc', 'gps']);
  } finally {
    await agent.stop();
    await fleet.stop();
  }
});

test.run();
