/**
 * Fixtures for tests that speak to a broker through Debian's Mosquitto tools: mosquitto_pub and
 * mosquitto_sub as child processes (never spawnSync: the embedded broker lives in this process and
 * must keep running while they talk to it), a real `mosquitto` on a loopback port, and readers for
 * the fleet's Prometheus text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { FleetService } from '../fleet/service.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';
export const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRun {
  proc: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<CliResult>;
}

/**
 * Starts mosquitto_pub or mosquitto_sub against 127.0.0.1:`port` over MQTT 3.1.1. It is killed
 * after `timeoutMs` (then `signal` is SIGKILL), so a hung client cannot hang the suite.
 */
export function cli(bin: string, port: number, args: string[], timeoutMs = 8000): CliRun {
  const started = Date.now();
  const proc = spawn(bin, ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return {
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

export function pub(port: number, args: string[], timeoutMs?: number): Promise<CliResult> {
  return cli(MOSQUITTO_PUB, port, args, timeoutMs).done;
}

/** A valid one-record TelemetryBatch, as a device would publish it on `t/{stream}`. */
export function telemetryBatch(seq = 1, data: unknown = {}): string {
  return JSON.stringify({ v: 1, epoch: 1, low: seq, records: [{ seq, ts: Date.now(), data }] });
}

/** One sample of the fleet's Prometheus text (`name{k="v",…} value`); 0 when absent. */
export function metricFromText(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const head = want ? `${name}{${want}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(head));
  return line ? Number(line.slice(head.length)) : 0;
}

/** GET /metrics and /healthz of a running fleet. */
export async function scrape(fleet: FleetService): Promise<string> {
  const res = await fetch(`${fleet.httpUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

export async function healthz(fleet: FleetService): Promise<{ status: number; body: any }> {
  const res = await fetch(`${fleet.httpUrl}/healthz`);
  return { status: res.status, body: await res.json() };
}

/** Count of every telemetry row the fleet stored. */
export function telemetryRows(fleet: FleetService, deviceId?: string): number {
  return fleet.ingest.count(deviceId);
}

/** The uid and gid of a local account, from /etc/passwd (null when there is none). */
export function systemUser(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    /* no /etc/passwd */
  }
  return null;
}

export interface RunningMosquitto {
  proc: ChildProcess;
  port: number;
  /** Everything mosquitto logged (it logs to stderr in the foreground). */
  readonly log: string;
  stop(): Promise<void>;
}

/**
 * Runs `mosquitto -c conf` in the foreground and resolves once `port` accepts connections;
 * rejects with mosquitto's own log if it exits first or the port stays closed for `timeoutMs`.
 */
export async function startMosquitto(conf: string, port: number, timeoutMs = 5000): Promise<RunningMosquitto> {
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const running: RunningMosquitto = {
    proc,
    port,
    get log() {
      return log;
    },
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`mosquitto exited (${JSON.stringify(exited)}) before listening on ${port}:\n${log}`);
    if (await canConnect(port)) return running;
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Makes the exported broker files readable by the broker we start. Mosquitto started as root
 * drops its privileges to the `mosquitto` account before it opens password_file and acl_file, so a
 * root-owned 0600 passwd in a 0700 temp dir cannot be read ("Error: Unable to open pwfile").
 * We do what an installer must do: hand the files to that account (passwd stays 0600) and let it
 * traverse the directory. Returns what was done, for the record.
 */
export function grantMosquittoAccess(paths: Record<string, string>): string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root: mosquitto keeps our uid';
  const user = systemUser('mosquitto');
  if (!user) return 'root, but no mosquitto account: mosquitto keeps running as root';
  for (const file of [paths.passwd!, paths.acl!]) fs.chownSync(file, user.uid, user.gid);
  fs.chmodSync(path.dirname(paths.passwd!), 0o755);
  return `root: passwd and acl handed to mosquitto (${user.uid}:${user.gid})`;
}
