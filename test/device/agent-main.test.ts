/**
 * `tabla-agent` with several `--config`s (device/main.ts, a real child process): each agent online
 * with its own heartbeat and data dir, all stopped by one SIGTERM; configs that would collide are
 * refused as usage errors (exit 2) before anything starts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provision, startFleet, tmpDir, waitFor } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'device/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

test('two agents in one process: both online with their own heartbeats and data dirs; one SIGTERM stops both', async () => {
  const fleet = await startFleet();
  const dir = tmpDir();
  const files = ['multi-a', 'multi-b'].map((id) => {
    const config = provision(fleet, id, 'stop-display', { settings: { logLevel: 'error' } });
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...config, dataDir: path.join(dir, id) }));
    return file;
  });
  const agent = run(files.flatMap((f) => ['--config', f]));
  try {
    for (const id of ['multi-a', 'multi-b'])
      await waitFor(`${id}'s heartbeat`, () => fleet.registry.get(id)?.state?.modules?.departures, 30_000);
    assert.ok(fs.existsSync(path.join(dir, 'multi-a')) && fs.existsSync(path.join(dir, 'multi-b')));
    assert.is(fleet.presence.of('multi-a'), 'online');
    assert.is(fleet.presence.of('multi-b'), 'online');
    agent.child.kill('SIGTERM');
    assert.is(await agent.exited, 0, agent.stderr());
    for (const id of ['multi-a', 'multi-b']) await waitFor(`${id} offline`, () => fleet.presence.of(id) === 'offline', 10_000);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
    await fleet.stop();
  }
});

test('the same device twice, or two configs on one data dir: usage error, exit 2, nothing started', async () => {
  const fleet = await startFleet();
  const dir = tmpDir();
  try {
    const a = provision(fleet, 'twice-a', 'stop-display', { settings: { logLevel: 'error' } });
    const b = provision(fleet, 'twice-b', 'stop-display', { settings: { logLevel: 'error' } });
    const fa = path.join(dir, 'a.json');
    const fb = path.join(dir, 'b.json');
    fs.writeFileSync(fa, JSON.stringify({ ...a, dataDir: path.join(dir, 'shared') }));
    fs.writeFileSync(fb, JSON.stringify({ ...b, dataDir: path.join(dir, 'shared') }));
    const same = run(['--config', fa, '--config', fa]);
    assert.is(await same.exited, 2);
    assert.match(same.stderr(), 'twice-a is configured twice');
    const shared = run(['--config', fa, '--config', fb]);
    assert.is(await shared.exited, 2);
    assert.match(shared.stderr(), 'share the data dir');
    assert.is(fleet.presence.of('twice-a'), 'unknown', 'never connected');
  } finally {
    await fleet.stop();
  }
});

test.run();
