/**
 * Roles: the table from role to modules, and `tabla-agent` (device/main.ts, a real child process)
 * running its role's modules, as the heartbeat the fleet stores shows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROLE_MODULES, modulesFor } from '../../device/roles.js';
import { ROLES } from '../../protocols/index.js';
import { provision, startFleet, tmpDir, waitFor } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('every role runs board-watch; a stop display also departures; each agent gets fresh instances', () => {
  for (const role of ROLES) assert.ok(modulesFor(role).some((m) => m.name === 'board-watch'), role);
  assert.equal(modulesFor('stop-display').map((m) => m.name), ['board-watch', 'departures']);
  assert.equal(Object.keys(ROLE_MODULES).sort(), [...ROLES].sort());
  assert.is.not(modulesFor('bus')[0], modulesFor('bus')[0]);
});

test("tabla-agent runs its role's modules: board-watch and departures in a stop display's heartbeat", async () => {
  const fleet = await startFleet();
  const config = provision(fleet, 'stop-r1', 'stop-display', { settings: { logLevel: 'error' } });
  const file = path.join(tmpDir(), 'agent.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'device/main.ts', '--config', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const modules = await waitFor(
      'a heartbeat with the modules',
      () => {
        const m = fleet.registry.get('stop-r1')?.state?.modules;
        return m?.['board-watch'] && m.departures ? m : null;
      },
      30_000,
    );
    assert.ok(['ok', 'degraded'].includes(modules['board-watch']!.status), JSON.stringify(modules['board-watch']));
    assert.equal(modules.departures, { status: 'degraded', error: 'no arrival board yet' });
    child.kill('SIGTERM');
    assert.is(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await fleet.stop();
  }
});

test.run();
