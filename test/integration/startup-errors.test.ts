/**
 * What systemd sees when something is wrong at start: a setting the operator must fix exits 2 with
 * one line naming the file or flag and the field (no stack, no restart loop); an uncaught exception
 * is logged with its stack, counted in `<dataDir>/crashes.json` and exits 1 for a restart.
 * The real entry points run as child processes, the way the units start them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as agentCrash from '../../device/crash.js';
import * as fleetCrash from '../../fleet/crash.js';
import { readLocal } from '../../fleet/local.js';
import { tmpDir, waitFor } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: two cores shared with other suites. Only a bound against a hung child. */
const RUN_LIMIT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Child {
  process: ChildProcess;
  done: Promise<Run>;
  output(): string;
}

/** Starts `device/main.ts` or `fleet/main.ts` with none of our TABLA_* settings, only those given. */
function start(entry: 'device/main.ts' | 'fleet/main.ts', args: string[], extraEnv: Record<string, string> = {}): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const k of Object.keys(env)) if (k.startsWith('TABLA_') && !(k in extraEnv)) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
  return { process: child, done, output: () => stdout + stderr };
}

async function run(entry: 'device/main.ts' | 'fleet/main.ts', args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = start(entry, args, env);
  try {
    return await child.done;
  } finally {
    stop(child);
  }
}

function stop(child: Child): void {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
}

function expectExit(r: Run, code: number, what: string): void {
  assert.is(r.code, code, `${what}: exit ${r.code}, wanted ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** A config error is one line: no stack trace in it. */
function expectNoStack(r: Run): void {
  assert.not.match(r.stderr, '    at ', `a stack trace in:\n${r.stderr}`);
}

/** An agent config in a temp dir; `dataDir` and `caFile` are relative to it. The broker port is closed. */
function agentConfig(dir: string, over: { dataDir?: string; caFile?: string } = {}): string {
  const file = path.join(dir, 'agent.json');
  const mqtt = { url: over.caFile ? 'mqtts://127.0.0.1:1' : 'mqtt://127.0.0.1:1', password: 's3cret', ...(over.caFile ? { caFile: over.caFile } : {}) };
  fs.writeFileSync(file, JSON.stringify({ deviceId: 'stop-1', role: 'stop-display', dataDir: over.dataDir ?? 'state', mqtt }));
  return file;
}

const fleetPorts = ['--http-port', '0', '--mqtt-port', '0', '--http-host', '127.0.0.1', '--mqtt-host', '127.0.0.1'];

test('agent: a missing mqtt.caFile exits 2 naming the config file, the field and the CA file', async () => {
  const dir = tmpDir();
  const file = agentConfig(dir, { caFile: 'ca.pem' });
  const r = await run('device/main.ts', ['--config', file]);
  expectExit(r, 2, 'missing CA file');
  assert.match(r.stderr, `tabla-agent: ${file}: invalid config mqtt.caFile: cannot read ${path.join(dir, 'ca.pem')} (ENOENT)`);
  expectNoStack(r);
});

test('agent: a dataDir that is a file exits 2 naming dataDir', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'state'), 'not a directory');
  const file = agentConfig(dir);
  const r = await run('device/main.ts', ['--config', file]);
  expectExit(r, 2, 'dataDir is a file');
  assert.match(r.stderr, `${file}: invalid config dataDir: ${path.join(dir, 'state')} is a file, not a directory`);
  expectNoStack(r);
});

test('agent: a dataDir it cannot write exits 2 naming dataDir', async () => {
  if (process.getuid?.() === 0) {
    console.log('  (skipped the not-writable dataDir case: running as root, which bypasses permission bits)');
    return;
  }
  const dir = tmpDir();
  const state = path.join(dir, 'state');
  fs.mkdirSync(state, { mode: 0o500 });
  try {
    const r = await run('device/main.ts', ['--config', agentConfig(dir)]);
    expectExit(r, 2, 'dataDir not writable');
    assert.match(r.stderr, `invalid config dataDir: ${state} is not writable by this process (EACCES)`);
    expectNoStack(r);
  } finally {
    fs.chmodSync(state, 0o700);
  }
});

test('fleet: a missing --tls-cert exits 2 naming the flag and the file', async () => {
  const dir = tmpDir();
  const cert = path.join(dir, 'missing-cert.pem');
  const r = await run('fleet/main.ts', ['--data-dir', path.join(dir, 'data'), ...fleetPorts, '--tls-port', '0', '--tls-cert', cert, '--tls-key', cert]);
  expectExit(r, 2, 'missing TLS certificate');
  assert.match(r.stderr, `tabla-fleet: --tls-cert / TABLA_MQTT_TLS_CERT: cannot read ${cert} (ENOENT)`);
  expectNoStack(r);
});

test('fleet: a data directory that is a file exits 2 naming --data-dir', async () => {
  const file = path.join(tmpDir(), 'data');
  fs.writeFileSync(file, 'not a directory');
  const r = await run('fleet/main.ts', ['--data-dir', file, ...fleetPorts]);
  expectExit(r, 2, 'data dir is a file');
  assert.match(r.stderr, `tabla-fleet: --data-dir / TABLA_DATA_DIR: ${file} is a file, not a directory`);
  expectNoStack(r);
  // The same from the environment, as the systemd unit sets it.
  const fromEnv = await run('fleet/main.ts', fleetPorts, { TABLA_DATA_DIR: file });
  expectExit(fromEnv, 2, 'TABLA_DATA_DIR is a file');
  assert.match(fromEnv.stderr, 'TABLA_DATA_DIR');
});

test('fleet: an HTTP port already in use exits 2 naming the port and the setting', async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve, reject) => {
    squatter.once('error', reject);
    squatter.listen(0, '127.0.0.1', resolve);
  });
  const port = (squatter.address() as net.AddressInfo).port;
  try {
    const r = await run('fleet/main.ts', ['--data-dir', tmpDir(), ...fleetPorts, '--http-port', String(port)]);
    expectExit(r, 2, 'HTTP port in use');
    assert.match(r.stderr, `tabla-fleet: --http-port / TABLA_HTTP_PORT: 127.0.0.1:${port} is in use`);
    expectNoStack(r);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

test('agent: an uncaught exception is logged with its stack, counted in crashes.json, and exits 1', async () => {
  const dir = tmpDir();
  const r = await run('device/main.ts', ['--config', agentConfig(dir)], { TABLA_TEST_CRASH_AFTER_MS: '200' });
  expectExit(r, 1, 'crash');
  assert.match(r.stderr, /error +stop-1: uncaught exception.* error="test crash \(TABLA_TEST_CRASH_AFTER_MS\)" stack="Error: test crash/);
  assert.match(r.stderr, 'device/main.ts', 'the stack points into the code that threw');
  const crashes = JSON.parse(fs.readFileSync(path.join(dir, 'state', 'crashes.json'), 'utf8'));
  assert.is(crashes.count, 1);
  assert.is(crashes.last.error, 'test crash (TABLA_TEST_CRASH_AFTER_MS)');
});

test('fleet: an uncaught exception exits 1 and the next start reports tabla_crashes_total', async () => {
  const dataDir = tmpDir('tabla-fleet-');
  const crashed = await run('fleet/main.ts', ['--data-dir', dataDir, ...fleetPorts], { TABLA_TEST_CRASH_AFTER_MS: '200' });
  expectExit(crashed, 1, 'crash');
  assert.match(crashed.stderr, /error +fleet: uncaught exception.* error="test crash \(TABLA_TEST_CRASH_AFTER_MS\)" stack="Error: test crash/);
  assert.is(JSON.parse(fs.readFileSync(path.join(dataDir, 'crashes.json'), 'utf8')).count, 1);

  const again = start('fleet/main.ts', ['--data-dir', dataDir, ...fleetPorts]);
  try {
    const local = await waitFor('the restarted fleet listening', () => {
      const l = readLocal(dataDir);
      if (again.process.exitCode !== null) throw new Error(`exited ${again.process.exitCode}: ${again.output()}`);
      return l && l.pid === again.process.pid && l.httpUrl ? l : null;
    }, 30_000, 100);
    const metrics = await (await fetch(`${local.httpUrl}/metrics`)).text();
    assert.match(metrics, /^# TYPE tabla_crashes_total counter$/m);
    assert.match(metrics, /^tabla_crashes_total 1$/m);
  } finally {
    stop(again);
    await again.done;
  }
});

for (const [side, crash] of [['agent', agentCrash], ['fleet', fleetCrash]] as const) {
  test(`${side} crash counter: counts up from a missing or unreadable file, written by rename`, () => {
    const dir = tmpDir();
    assert.equal(crash.readCrashCount(dir), { count: 0 });
    assert.is(crash.recordCrash(dir, 'first', new Date(0)).count, 1);
    const second = crash.recordCrash(dir, 'second');
    assert.is(second.count, 2);
    assert.equal(crash.readCrashCount(dir), second);
    assert.equal(fs.readdirSync(dir), [crash.CRASH_FILE], 'no temp file left behind');
    fs.writeFileSync(path.join(dir, crash.CRASH_FILE), '{"count": '); // torn by hand, never by recordCrash
    assert.is(crash.recordCrash(dir, 'third').count, 1);
  });
}

test.run();
