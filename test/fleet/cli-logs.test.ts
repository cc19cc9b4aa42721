/**
 * `tabla logs` as a technician runs it: a child process against a real fleet on loopback and a real
 * agent. A slice since 5 minutes, the device silent, a bad --since, and --follow printing a line
 * logged after it started until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Agent } from '../../device/agent.js';
import { formatLogLine, parseSinceArg } from '../../fleet/cli/commands/logs.js';
import { api, onlineAgent, startFleet, tabla, tmpDir, waitFor } from '../helpers.js';

type Fleet = Awaited<ReturnType<typeof startFleet>>;

const CLI = path.resolve(import.meta.dirname, '../../fleet/cli/main.ts');
const TSX = import.meta.resolve('tsx');

/** `tabla …` left running: its output so far, and a way to signal it and wait for its exit. */
function tablaRunning(fleet: Fleet, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, TABLA_DATA_DIR: fleet.options.dataDir };
  for (const k of ['TABLA_URL', 'TABLA_TOKEN', 'NO_COLOR', 'FORCE_COLOR']) delete env[k];
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: tmpDir('tabla-cli-'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c) => (out.stdout += c));
  child.stderr!.on('data', (c) => (out.stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, exited };
}

test('--since takes ISO or a span back from now; a line prints as the device logged it', () => {
  const now = Date.parse('2026-11-27T06:00:00Z');
  assert.is(parseSinceArg('10m', now), now - 600_000);
  assert.is(parseSinceArg('2h', now), now - 7_200_000);
  assert.is(parseSinceArg('90s', now), now - 90_000);
  assert.is(parseSinceArg('2026-11-27T05:10:00Z', now), Date.parse('2026-11-27T05:10:00Z'));
  assert.throws(() => parseSinceArg('yesterday', now), /ISO 8601/);
  assert.throws(() => parseSinceArg('10 parsecs', now), /ISO 8601/);
  assert.is(
    formatLogLine({ id: 1, ts: '2026-11-27T05:10:00.000Z', level: 'warn', module: 'link', msg: 'disconnected', fields: { epoch: 4, why: 'ECONNRESET' } }),
    '2026-11-27T05:10:00.000Z warn  link: disconnected epoch=4 why="ECONNRESET"',
  );
});

test('`tabla logs <id> --since 5m` shows the lines with their modules; --json; a bad --since exits 2', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  try {
    const agent = (started = await onlineAgent(fleet, 'stop-cli-logs-1'));
    agent.log.child('departures').warn('Velenje AP: no live arrivals, showing the timetable', { line: 'rumena' });
    const r = await tabla(['logs', 'stop-cli-logs-1', '--since', '5m'], { fleet });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /Z warn  departures: Velenje AP: no live arrivals, showing the timetable line="rumena"\n/);
    assert.match(r.stdout, /Z info  agent: agent started /);
    const j = await tabla(['logs', 'stop-cli-logs-1', '--since', new Date(Date.now() - 300_000).toISOString(), '--json'], { fleet });
    assert.is(j.code, 0, j.stderr);
    const lines = JSON.parse(j.stdout) as { module: string; msg: string }[];
    assert.ok(lines.some((l) => l.module === 'departures'), j.stdout);
    const bad = await tabla(['logs', 'stop-cli-logs-1', '--since', 'last tuesday'], { fleet });
    assert.is(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--since/);
    const nobody = await tabla(['logs', 'nobody', '--since', '5m'], { fleet });
    assert.is(nobody.code, 1);
    assert.match(nobody.stderr, /nobody/);
  } finally {
    await started?.stop();
    await fleet.stop();
  }
});

test('a silent device: the lines the fleet already has, a warning, exit 1', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  try {
    const agent = (started = await onlineAgent(fleet, 'stop-cli-logs-2'));
    agent.log.child('epaper').error('BUSY stuck high');
    const first = await tabla(['logs', 'stop-cli-logs-2', '--since', '5m'], { fleet });
    assert.is(first.code, 0, first.stderr);
    await agent.stop();
    await waitFor('offline', () => fleet.presence.of('stop-cli-logs-2') === 'offline');
    const r = await tabla(['logs', 'stop-cli-logs-2', '--since', '5m', '--timeout', '1'], { fleet });
    assert.is(r.code, 1);
    assert.match(r.stderr, /stop-cli-logs-2 did not ship its logs/);
    assert.match(r.stdout, /error epaper: BUSY stuck high/);
  } finally {
    await started?.stop();
    await fleet.stop();
  }
});

test('`tabla logs <id> --follow` prints a line logged after it started; Ctrl-C stops it and the device', async () => {
  const fleet = await startFleet();
  let started: Agent | null = null;
  let running: ReturnType<typeof tablaRunning> | null = null;
  try {
    const agent = (started = await onlineAgent(fleet, 'stop-cli-logs-3'));
    const run = (running = tablaRunning(fleet, ['logs', 'stop-cli-logs-3', '--follow']));
    agent.log.child('gps').warn('logged before the follow');
    await waitFor(
      'the device following',
      async () => {
        const cmds = (await api(fleet, 'GET', '/api/devices/stop-cli-logs-3/commands')).body as { verb: string; status: string }[];
        return cmds.some((c) => c.verb === 'logs-follow' && c.status === 'succeeded');
      },
      20_000,
    );
    agent.log.child('departures').warn('rumena linija: zamuda 4 min', { delayS: 240 });
    await waitFor('the line printed', () => run.out.stdout.includes('warn  departures: rumena linija: zamuda 4 min delayS=240'), 15_000);
    assert.not.match(run.out.stdout, /logged before the follow/, 'without --since, only what comes after');
    run.child.kill('SIGINT');
    const code = await run.exited;
    assert.is(code, 0, run.out.stderr);
    const cmds = (await api(fleet, 'GET', '/api/devices/stop-cli-logs-3/commands')).body as { verb: string; args: { forS?: number } }[];
    assert.ok(cmds.some((c) => c.verb === 'logs-follow' && c.args.forS === 0), 'told the device to stop');
  } finally {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
    await started?.stop();
    await fleet.stop();
  }
});

test.run();
