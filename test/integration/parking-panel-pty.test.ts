/**
 * A parking guidance panel over a real serial line: a real fleet on loopback, a parking-panel agent
 * with its role's modules and `hardware.sign` of kind `alpha` (the real Alpha driver on
 * node-serialport) opening one end of a socat pty pair, the sign emulator (hardware/sign/
 * emulator.ts) serving the other end as an Alpha sign on RS-485 would. Content in at the fleet →
 * the number on the emulated sign; a clean stop leaves `--`.
 *
 * Skipped, with the reason printed, where socat is not installed (`apt-get install socat`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent } from '../../device/agent.js';
import { modulesFor } from '../../device/roles.js';
import { SignEmulator } from '../../hardware/sign/emulator.js';
import type { ParkingCounts } from '../../protocols/index.js';
import { api, provision, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';
import { PtyPair } from '../hardware/pty.js';

const counts = (glazija: ParkingCounts['rows'][number], celeiapark: number): ParkingCounts => ({
  rows: [glazija, { carParkId: 'celeiapark', label: 'CELEIAPARK', free: celeiapark, state: 'spacesAvailable' }],
  validUntil: new Date(Date.now() + 600_000).toISOString(),
});

if (!PtyPair.available()) {
  console.log('parking-panel-pty: skipped: socat is not installed (apt-get install socat)');
} else {
  test('content at the fleet → the count on an Alpha sign over a serial line; -- after a clean stop', async () => {
    const dir = tmpDir('tabla-panel-pty-');
    const pair = new PtyPair(path.join(dir, 'sign-rs485'), path.join(dir, 'sign-line'));
    const emulator = new SignEmulator({ columns: 20, lines: 2 });
    const fleet = await startFleet();
    let line: { close(): Promise<void> } | null = null;
    let agent: Agent | null = null;
    try {
      await pair.up();
      line = await emulator.attach(pair.b);
      const config = provision(fleet, 'panel-pty', 'parking-panel', {
        hardware: { sign: { kind: 'alpha', path: pair.a, columns: 20, lines: 2, ackTimeoutMs: 500, responseTimeoutMs: 500 } },
        settings: {
          modules: {
            panel: {
              rows: [
                { carParkId: 'glazija', arrow: 'left' },
                { carParkId: 'celeiapark', arrow: 'right', label: 'CELEIA PARK' },
              ],
              // Day all day at 58 %: the brightness step is taken whenever the test runs.
              dayFrom: '00:00',
              nightFrom: '00:00',
              dayBrightness: 58,
            },
          },
        },
      });
      agent = new Agent({ config, log: quiet, modules: modulesFor('parking-panel') });
      await agent.start();
      await waitFor('the sign configured, counts --', () => emulator.file('1') === '< GLAZIJA         --' && emulator.file('2') === 'CELEIA PARK     -- >', 15_000);
      await waitFor('agent online', () => agent!.link.fleetOnline);

      assert.ok(fleet.outgoing.content('panel-pty', 'parking-counts', counts({ carParkId: 'glazija', label: 'GLAZIJA', free: 87, state: 'spacesAvailable' }, 340)));
      await waitFor('the counts on the sign', () => emulator.file('1') === '< GLAZIJA         87' && emulator.file('2') === 'CELEIA PARK    340 >');
      assert.equal(emulator.render().lines, ['< GLAZIJA         87', 'CELEIA PARK    340 >']);
      assert.is(emulator.brightness, 3, 'level 3: 58 %');
      await waitFor('status ok', () => agent!.state().modules!.panel?.status === 'ok');

      assert.ok(fleet.outgoing.content('panel-pty', 'parking-counts', counts({ carParkId: 'glazija', label: 'GLAZIJA', free: 0, state: 'full' }, 339)));
      await waitFor('full and a new count on the sign', () => emulator.file('1') === '< GLAZIJA   ZASEDENO' && emulator.file('2') === 'CELEIA PARK    339 >');
      const frame = await waitFor('the frame at the fleet', async () => {
        const f = (await api(fleet, 'GET', '/api/devices/panel-pty/frame')).body;
        return f?.summary === 'GLAZIJA ZASEDENO · CELEIA PARK 339' ? f : null;
      });
      assert.is(frame.kind, 'parking-counts');
      assert.equal([frame.width, frame.height], [20 * 6 - 1, 2 * 8 - 1], 'the picture of a 20 × 2 sign, 6 × 8 LEDs a character');

      await agent.stop();
      assert.equal([emulator.file('1'), emulator.file('2')], ['< GLAZIJA         --', 'CELEIA PARK     -- >'], 'a stopped agent leaves no numbers up');
    } finally {
      await agent?.stop().catch(() => {});
      await line?.close().catch(() => {});
      await pair.down();
      await fleet.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
