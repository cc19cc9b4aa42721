/**
 * Parking guidance end to end, every part real: cars over a counter's loops (the simulated loop
 * detector through the counter module and its outbox) → the fleet (ingest, the occupancy engine
 * with a catalogue) → the guidance panel's agent (panel module, the real Alpha driver on
 * node-serialport at one end of a socat pty pair) → the Alpha sign emulator at the other end,
 * which shows the free count, then ZASEDENO once the car park is full, then the count again when
 * cars leave past the hysteresis threshold.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { counter } from '../../device/modules/counter/index.js';
import { panel } from '../../device/modules/panel/index.js';
import { occupancyEngine } from '../../fleet/engines/occupancy/index.js';
import { createLoopDetector, type SimulatedLoopDetector } from '../../hardware/loop/loop.js';
import { SignEmulator } from '../../hardware/sign/emulator.js';
import { agentConfigFor } from '../../fleet/provision.js';
import type { FleetService } from '../../fleet/service.js';
import { AgentConfig, type Role } from '../../protocols/index.js';
import { api, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from '../hardware/pty.js';

/** A device provisioned with its labels, and its agent config (modules' settings, hardware). */
function device(fleet: FleetService, id: string, role: Role, labels: Record<string, string>, modules: Record<string, unknown>, hardware: Record<string, unknown> = {}): AgentConfig {
  const { secret } = fleet.registry.provision({ id, role, site: 'test', labels });
  const base = agentConfigFor({ deviceId: id, role, secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir(`tabla-${id}-`) });
  return AgentConfig.parse({ ...base, hardware, settings: { logLevel: 'error', modules }, mqtt: { ...base.mqtt, reconnectMinMs: 100, reconnectMaxMs: 1000 } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One car over `lane`: A, both, B, clear. */
async function car(loops: SimulatedLoopDetector, lane: string): Promise<void> {
  loops.setLoop(lane, 'a', true);
  await sleep(30);
  loops.setLoop(lane, 'b', true);
  await sleep(30);
  loops.setLoop(lane, 'a', false);
  await sleep(30);
  loops.setLoop(lane, 'b', false);
  await sleep(80); // the lane's gap time: the next car is another vehicle
}

if (!PtyPair.available()) {
  console.log('parking-e2e: skipped: socat is not installed (apt-get install socat)');
} else {
  test('cars at the loops → the fleet → ZASEDENO on an Alpha sign over a serial line, and back to a count', async () => {
    const dir = tmpDir('tabla-parking-e2e-');
    const pair = new PtyPair(path.join(dir, 'sign-rs485'), path.join(dir, 'sign-line'));
    const emulator = new SignEmulator({ columns: 20, lines: 1 });
    const fleet = await startFleet({ engines: [occupancyEngine()] });
    const agents: Agent[] = [];
    let line: { close(): Promise<void> } | null = null;
    try {
      const put = await api(fleet, 'PUT', '/api/parking/car-parks', {
        site: 'test',
        timeZone: 'Europe/Ljubljana',
        // Ten spaces: full at 9 occupied (90 %), back down to almostFull only at 7 (70 %).
        carParks: [{ id: 'glazija', name: 'Garažna hiša Glazija', kind: 'garage', capacity: 10, panelLabel: 'GLAZIJA', thresholds: { almostFull: { upPercent: 60, downPercent: 50 }, full: { upPercent: 90, upFree: 0, downPercent: 70 } } }],
      });
      assert.is(put.status, 200, JSON.stringify(put.body));

      const loops = createLoopDetector({ kind: 'simulated', lanes: [{ lane: 'entry-1', kind: 'entry' }, { lane: 'exit-1', kind: 'exit' }], debounceMs: 20, gapMs: 50, log: quiet }) as SimulatedLoopDetector;
      agents.push(
        new Agent({
          config: device(fleet, 'counter-e2e', 'car-park-counter', { carPark: 'glazija' }, {
            counter: { lanes: { 'entry-1': { carParkId: 'glazija', kind: 'entry' }, 'exit-1': { carParkId: 'glazija', kind: 'exit' } }, carParks: { glazija: { capacity: 10 } } },
          }),
          log: quiet,
          modules: [counter()],
          drivers: { loops },
        }),
      );
      await pair.up();
      line = await emulator.attach(pair.b);
      agents.push(
        new Agent({
          config: device(fleet, 'panel-e2e', 'parking-panel', { carParks: 'glazija' }, { panel: { rows: [{ carParkId: 'glazija', arrow: 'left' }] } }, {
            sign: { kind: 'alpha', path: pair.a, columns: 20, lines: 1, ackTimeoutMs: 500, responseTimeoutMs: 500 },
          }),
          log: quiet,
          modules: [panel()],
        }),
      );
      for (const a of agents) await a.start();
      await waitFor('the sign configured, the count unknown', () => emulator.file('1') === '< GLAZIJA         --', 15_000);

      // Cars in: the count falls on the sign, one car at a time.
      await car(loops, 'entry-1');
      await waitFor('9 free on the sign', () => emulator.file('1') === '< GLAZIJA          9', 10_000);
      for (let i = 0; i < 5; i++) await car(loops, 'entry-1');
      await waitFor('4 free on the sign', () => emulator.file('1') === '< GLAZIJA          4', 10_000);
      // Full at 90 % occupied (9 of 10): ZASEDENO, not a number.
      for (let i = 0; i < 3; i++) await car(loops, 'entry-1');
      await waitFor('ZASEDENO on the sign', () => emulator.file('1') === '< GLAZIJA   ZASEDENO', 10_000);
      assert.is((await api(fleet, 'GET', '/api/parking/glazija')).body.status.state, 'full');
      // One car out (8 of 10, 80 %): still full by the hysteresis; two more (6 of 10, 60 %): 4 free shown again.
      await car(loops, 'exit-1');
      await sleep(1500);
      assert.is(emulator.file('1'), '< GLAZIJA   ZASEDENO', 'no flicker back to a number at 80 %');
      await car(loops, 'exit-1');
      await car(loops, 'exit-1');
      await waitFor('a count again below the way-down threshold', () => emulator.file('1') === '< GLAZIJA          4', 10_000);
      // Every passage stored once in the fleet.
      assert.is(fleet.ingest.records('counter-e2e', 'loops').length, 12);
    } finally {
      for (const a of agents) await a.stop().catch(() => {});
      await line?.close();
      await pair.down();
      await fleet.stop();
    }
  });
}

test.run();
