/**
 * [12] The fleet's resident memory with the whole demo running (`npm start`: scripts/demo.mjs — the
 * Lokal'c buses and stop displays, Celje's counters and panels, every agent a real process), against
 * an empty fleet started the same way in the same run.
 *
 * The demo runs in its own process group with a temp data dir and free ports (TABLA_DATA_DIR,
 * TABLA_HTTP_PORT, TABLA_MQTT_PORT, TABLA_KIOSK_PORT); it builds dist/ with tsup first if the
 * sources are newer. Once every device it provisioned is online (GET /api/devices), the fleet
 * process's VmRSS (/proc/<pid>/status; its pid from fleet.json, checked to run dist/fleet/main.js)
 * is read every second for `sampleS`; the RSS of the demo's processes together is read beside it
 * (info). Then SIGTERM to the demo's group (it stops its agents, then the fleet), and every process
 * it had started is checked gone (a leftover is killed by its pid and reported).
 *
 * Baseline: dist/fleet/main.js alone, with the same environment (its own temp data dir, the demo's
 * Lokal'c timetable as TABLA_GTFS), no device provisioned, sampled the same way for `baselineS`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers.js';
import { median, sleep, tempDir } from './util.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLEET_MAIN = path.join(ROOT, 'dist', 'fleet', 'main.js');

export interface RssOptions {
  /** Seconds the demo's fleet is sampled once every device is online. */
  sampleS: number;
  /** Seconds the empty fleet is sampled. */
  baselineS: number;
  /** Longest wait for the demo to start (build included) and its devices to come online. */
  startTimeoutS: number;
}

export interface RssStats {
  n: number;
  maxMb: number;
  medianMb: number;
}

export interface RssResult {
  devices: number;
  /** Seconds from spawning the demo until every device was online. */
  onlineS: number;
  fleet: RssStats;
  /** The demo's processes together (demo script, fleet, agents). */
  all: RssStats;
  processes: number;
  baseline: RssStats;
  problems: string[];
}

/** VmRSS of `pid` in kB, or null if it is gone. */
export function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Every process whose parent chain leads to `root` (itself included), from /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

function stats(kb: number[]): RssStats {
  return { n: kb.length, maxMb: kb.length ? Math.max(...kb) / 1024 : NaN, medianMb: kb.length ? median(kb) / 1024 : NaN };
}


interface Local {
  pid: number;
  httpUrl: string;
  adminToken: string;
}

function readLocal(dataDir: string): Local | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'fleet.json'), 'utf8')) as Local;
  } catch {
    return null;
  }
}

async function devicesOf(local: Local): Promise<{ id: string; presence: string }[]> {
  const res = await fetch(`${local.httpUrl}/api/devices`, { headers: { authorization: `Bearer ${local.adminToken}` } });
  if (res.status !== 200) throw new Error(`GET /api/devices answered ${res.status}`);
  return (await res.json()) as { id: string; presence: string }[];
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Starts `args` in its own process group with `env`, its output to `logFile`. */
function start(args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  return child;
}

/** SIGTERM to `child`'s group, waits for it, then makes sure each of `pids` is gone (SIGKILL by pid, reported). */
async function stopGroup(child: ChildProcess, pids: number[], what: string, problems: string[]): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      problems.push(`${what} did not exit within 30 s of SIGTERM: killed`);
      child.kill('SIGKILL');
    }, 30_000);
    await exited(child);
    clearTimeout(timer);
  }
  const deadline = Date.now() + 10_000;
  let left = pids.filter((p) => rssKb(p) !== null);
  while (left.length && Date.now() < deadline) {
    await sleep(200);
    left = left.filter((p) => rssKb(p) !== null);
  }
  for (const p of left) {
    problems.push(`${what}: process ${p} still running after the demo stopped: killed`);
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Waits for fleet.json naming `pid` and a healthy /healthz. */
async function fleetUp(dataDir: string, pid: number | null, timeoutMs: number, child: ChildProcess, logFile: string): Promise<Local> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}; its log: ${fs.readFileSync(logFile, 'utf8').slice(-800)}`);
    const local = readLocal(dataDir);
    if (local?.httpUrl && (pid === null || local.pid === pid)) {
      const ok = await fetch(`${local.httpUrl}/healthz`).then((r) => r.ok, () => false);
      if (ok) return local;
    }
    await sleep(250);
  }
  throw new Error(`no healthy fleet within ${timeoutMs / 1000} s; log: ${fs.readFileSync(logFile, 'utf8').slice(-800)}`);
}

async function sample(pids: () => number[], fleetPid: number, seconds: number): Promise<{ fleet: number[]; all: number[]; processes: number }> {
  const fleet: number[] = [];
  const all: number[] = [];
  let processes = 0;
  for (let i = 0; i < seconds; i++) {
    const f = rssKb(fleetPid);
    if (f === null) throw new Error(`the fleet (pid ${fleetPid}) is gone`);
    fleet.push(f);
    const ps = pids();
    processes = Math.max(processes, ps.length);
    all.push(ps.reduce((s, p) => s + (rssKb(p) ?? 0), 0));
    await sleep(1000);
  }
  return { fleet, all, processes };
}

function checkFleetPid(pid: number): void {
  const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmd.includes(path.join('dist', 'fleet', 'main.js'))) throw new Error(`pid ${pid} from fleet.json runs ${cmd.replace(/\0/g, ' ')}, not dist/fleet/main.js`);
}

export async function benchRss(o: RssOptions): Promise<RssResult> {
  const problems: string[] = [];
  const dataDir = tempDir('demo');
  const logFile = path.join(tempDir('demo-log'), 'demo.log');
  const env = { TABLA_DATA_DIR: dataDir, TABLA_HTTP_PORT: String(await freePort()), TABLA_MQTT_PORT: String(await freePort()), TABLA_KIOSK_PORT: String(await freePort()), TABLA_LOG_LEVEL: 'warn' };
  const spawned = Date.now();
  const demo = start([path.join(ROOT, 'scripts', 'demo.mjs')], env, logFile);
  let seen: number[] = [demo.pid!];
  const track = () => {
    seen = [...new Set([...seen, ...descendants(demo.pid!)])];
    return descendants(demo.pid!);
  };
  let result: Omit<RssResult, 'baseline' | 'problems'>;
  try {
    const local = await fleetUp(dataDir, null, o.startTimeoutS * 1000, demo, logFile);
    checkFleetPid(local.pid);
    // Every device the demo provisions, online (the demo provisions them all before starting the agents).
    const deadline = spawned + o.startTimeoutS * 1000;
    let devices: { id: string; presence: string }[] = [];
    for (;;) {
      if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}); its log: ${fs.readFileSync(logFile, 'utf8').slice(-800)}`);
      track();
      devices = await devicesOf(local).catch(() => []);
      const online = devices.filter((d) => d.presence === 'online').length;
      if (devices.length > 50 && online === devices.length && /Tabla demo is running/.test(fs.readFileSync(logFile, 'utf8'))) break;
      if (Date.now() > deadline) throw new Error(`${online} of ${devices.length} devices online after ${o.startTimeoutS} s`);
      await sleep(500);
    }
    const onlineS = (Date.now() - spawned) / 1000;
    const s = await sample(track, local.pid, o.sampleS);
    const offline = (await devicesOf(local)).filter((d) => d.presence !== 'online').map((d) => d.id);
    if (offline.length) problems.push(`not online at the end of sampling: ${offline.slice(0, 5).join(', ')}${offline.length > 5 ? '…' : ''}`);
    result = { devices: devices.length, onlineS, fleet: stats(s.fleet), all: stats(s.all), processes: s.processes };
  } finally {
    track();
    await stopGroup(demo, seen, 'the demo', problems);
  }

  // Baseline: the fleet alone, the same way, the same timetable.
  const baseDir = tempDir('fleet-empty');
  const baseLog = path.join(baseDir, 'fleet.log');
  const gtfs = path.join(baseDir, 'lokalc.zip');
  fs.copyFileSync(path.join(dataDir, 'lokalc.zip'), gtfs);
  const baseEnv = { TABLA_DATA_DIR: baseDir, TABLA_HTTP_PORT: String(await freePort()), TABLA_MQTT_PORT: String(await freePort()), TABLA_GTFS: gtfs, TABLA_GTFS_SITE: 'velenje', TABLA_LOG_LEVEL: 'warn' };
  const empty = start([FLEET_MAIN], baseEnv, baseLog);
  let baseline: RssStats;
  try {
    const local = await fleetUp(baseDir, empty.pid!, 30_000, empty, baseLog);
    const devices = await devicesOf(local);
    if (devices.length) problems.push(`the empty fleet has ${devices.length} devices`);
    baseline = stats((await sample(() => [empty.pid!], empty.pid!, o.baselineS)).fleet);
  } finally {
    await stopGroup(empty, [empty.pid!], 'the empty fleet', problems);
  }
  return { ...result, baseline, problems };
}

/** The section's lines and JSON keys (main.ts). */
export async function rssSection(say: (line?: string) => void, out: Record<string, unknown>, o: RssOptions): Promise<void> {
  say(`\n[12] fleet memory with the whole demo running (scripts/demo.mjs: Lokal'c buses and stop displays, Celje's counters and panels, real agent processes),`);
  say(`    temp data dir, free ports; once every device is online the fleet's VmRSS is read every second for ${o.sampleS} s; then the demo is stopped (SIGTERM)`);
  const r = await benchRss(o);
  const mb = (s: RssStats) => `max ${s.maxMb.toFixed(1)} MB, median ${s.medianMb.toFixed(1)} MB (${s.n} samples)`;
  say(`    ${r.devices} devices online ${r.onlineS.toFixed(1)} s after the demo was started (build included if one was due)`);
  say(`    baseline: the fleet alone, no devices, the same timetable: ${mb(r.baseline)}`);
  say(`    the demo's fleet: ${mb(r.fleet)} → ${(r.fleet.maxMb - r.baseline.maxMb).toFixed(1)} MB more than the empty fleet at the max`);
  say(`    the demo's ${r.processes} processes together (info): ${mb(r.all)}`);
  say(`    fleet_rss_mb = ${r.fleet.maxMb.toFixed(1)}; fleet_rss_empty_mb = ${r.baseline.maxMb.toFixed(1)} (info, no target)`);
  for (const p of r.problems) say(`    PROBLEM: ${p}`);
  out.fleet_rss_mb = Math.round(r.fleet.maxMb * 10) / 10;
  out.fleet_rss_median_mb = Math.round(r.fleet.medianMb * 10) / 10;
  out.fleet_rss_empty_mb = Math.round(r.baseline.maxMb * 10) / 10;
  out.demo_rss_all_mb = Math.round(r.all.maxMb * 10) / 10;
  out.rss = r;
}
