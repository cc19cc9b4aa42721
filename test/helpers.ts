/** Shared test fixtures: a real fleet on loopback with its embedded broker, real agents, temp dirs. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import type { AgentConfig, AgentConfigInput, Frame, Logger, Role } from '../protocols/index.js';
import { AgentConfig as AgentConfigSchema, Frame as FrameSchema, createLogger, decode, topic } from '../protocols/index.js';
import { FleetService, type FleetOptions } from '../fleet/service.js';
import { agentConfigFor } from '../fleet/provision.js';
import { Agent, type AgentOptions } from '../device/agent.js';

/** Logs nothing unless TABLA_TEST_LOG is set (agents raise their own level from their settings). */
export const quiet: Logger = createLogger('test', { level: 'debug', sink: (l) => process.env.TABLA_TEST_LOG && process.stderr.write(l + '\n') });

export function tmpDir(prefix = 'tabla-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startFleet(overrides: Partial<FleetOptions> = {}): Promise<FleetService> {
  const fleet = new FleetService({ dataDir: tmpDir('tabla-fleet-'), httpPort: 0, mqttPort: 0, log: quiet, ...overrides });
  await fleet.start();
  return fleet;
}

/** Provisions a device in the fleet and returns the agent config it would get, with a temp data dir. */
export function provision(
  fleet: FleetService,
  id: string,
  role: Role = 'bus',
  extra: Omit<Partial<AgentConfigInput>, 'mqtt'> & { mqtt?: Partial<AgentConfigInput['mqtt']> } = {},
): AgentConfig {
  const { secret } = fleet.registry.provision({ id, role, site: 'test' });
  const base = agentConfigFor({ deviceId: id, role, secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir(`tabla-${id}-`) });
  const input = { ...base, ...extra, mqtt: { ...base.mqtt, reconnectMinMs: 100, reconnectMaxMs: 1000, ...(extra.mqtt ?? {}) } };
  return AgentConfigSchema.parse(input);
}

/** An agent provisioned in the fleet, started and seen online there; stopped again if it does not get there. */
export async function onlineAgent(fleet: FleetService, id: string, extra: Partial<Omit<AgentOptions, 'config'>> = {}, role: Role = 'stop-display'): Promise<Agent> {
  const agent = new Agent({ config: provision(fleet, id, role), log: quiet, ...extra });
  try {
    await agent.start();
    await waitFor('online', () => fleet.presence.of(id) === 'online');
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return agent;
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function api(fleet: FleetService, method: string, p: string, body?: unknown, token = fleet.local.adminToken) {
  const res = await fetch(fleet.httpUrl + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** Rows the fleet stored for one stream of one device, in seq order. */
export function storedSeqs(fleet: FleetService, deviceId: string, stream: string): number[] {
  return fleet.ingest.records(deviceId, stream).map((r) => r.seq);
}

/** An MQTT client speaking as the fleet (its own account), for tests that play the fleet's part by hand. */
export async function fleetClient(fleet: FleetService, suffix = 'test') {
  const mqtt = (await import('mqtt')).default;
  const client = await mqtt.connectAsync(fleet.mqttUrl, {
    clientId: `_fleet.${suffix}`,
    username: '_fleet',
    password: fleet.local.mqttPassword,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  return client;
}

/** The frames device `id` reports (what its glass or sign shows), decoded, as they come to `client`. */
export async function collectFrames(client: Awaited<ReturnType<typeof fleetClient>>, id: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  const at = topic.frame(id);
  await client.subscribeAsync(at, { qos: 1 });
  client.on('message', (t, payload) => {
    if (t !== at) return;
    const f = decode(FrameSchema, payload);
    if (f.ok) frames.push(f.value);
  });
  return frames;
}

/** An MQTT client authenticated as a provisioned device (raw: no agent behind it). */
export async function deviceClient(fleet: FleetService, id: string, password: string, options: Record<string, unknown> = {}) {
  const mqtt = (await import('mqtt')).default;
  return mqtt.connectAsync(fleet.mqttUrl, { clientId: id, username: id, password, protocolVersion: 4, reconnectPeriod: 0, ...options });
}

/** A clock whose wall time can be stepped (NTP corrections, a resumed VM); monotonic time runs on. */
export class SteppableClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  mono(): number {
    return performance.now();
  }
  step(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Mounts a tmpfs of `size` (e.g. '4m') on a new temp dir; null (with the reason) where mounting is not allowed. */
export function mountTmpfs(size: string): { dir: string; unmount(): void } | { dir: null; reason: string } {
  const dir = tmpDir('tabla-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return { dir: null, reason: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
  return { dir, unmount: () => void spawnSync('umount', ['-l', dir]) };
}

/** Fills the filesystem of `dir` with a file until ENOSPC; returns the file (delete it to free the space). */
export function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size);
      try {
        while (fs.writeSync(fd, chunk) === size); // a short write: this size no longer fits
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/**
 * A real agent in its own process (test/fixtures/burst-agent.ts) appending `count` records to `gps`:
 * `seen.committed` is the last seq safely on disk, `seen.depth` its outbox depth once appending is done.
 */
export function burstAgent(configFile: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/burst-agent.ts', configFile, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen = { committed: 0, depth: -1, started: false };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'started') seen.started = true;
      const m = /^(committed|depth) (\d+)$/.exec(line);
      if (m) seen[m[1] as 'committed' | 'depth'] = Number(m[2]);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? -1 : code)));
  return { child, seen, exited };
}

const CLI = path.resolve(import.meta.dirname, '../fleet/cli/main.ts');
// The CLI runs with a temp dir as cwd, where `--import tsx` would not resolve: pass the loader by URL.
const TSX = import.meta.resolve('tsx');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tabla …` in `cwd` against the fleet's data dir (or the env given), never a TABLA_* of ours. */
export function tabla(args: string[], o: { fleet?: FleetService; cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['TABLA_URL', 'TABLA_TOKEN', 'TABLA_DATA_DIR', 'NO_COLOR', 'FORCE_COLOR']) delete env[k];
  env.TABLA_DATA_DIR = o.fleet?.options.dataDir ?? path.join(tmpDir(), 'no-fleet-here');
  Object.assign(env, o.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: o.cwd ?? tmpDir('tabla-cli-'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
