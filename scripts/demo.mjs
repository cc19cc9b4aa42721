#!/usr/bin/env node
// npm start: the fleet with its embedded broker and a small simulated town (buses and stop displays
// in Velenje, parking panels and car-park counters in Celje), every agent a real process connecting
// over TCP with its own outbox under $TABLA_DATA_DIR. Ctrl-C stops everything cleanly.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.TABLA_DATA_DIR ?? path.join(root, '.tabla'));
const httpPort = process.env.TABLA_HTTP_PORT ?? '8080';
const mqttPort = process.env.TABLA_MQTT_PORT ?? '1883';

const TOWN = [
  { id: 'bus-lokalc-1', role: 'bus', site: 'velenje' },
  { id: 'bus-lokalc-2', role: 'bus', site: 'velenje' },
  { id: 'stop-velenje-postaja', role: 'stop-display', site: 'velenje' },
  { id: 'stop-velenje-center', role: 'stop-display', site: 'velenje' },
  { id: 'panel-celje-mariborska', role: 'parking-panel', site: 'celje' },
  { id: 'panel-celje-ljubljanska', role: 'parking-panel', site: 'celje' },
  { id: 'counter-celje-glazija', role: 'car-park-counter', site: 'celje' },
  { id: 'counter-celje-celeiapark', role: 'car-park-counter', site: 'celje' },
];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const out = path.join(root, 'dist', 'fleet', 'main.js');
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
  const sources = Math.max(...['protocols', 'hardware', 'device', 'fleet'].map((d) => newestMtime(path.join(root, d))));
  if (built >= sources) return;
  console.log('building (tsup)…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForFleet(child) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tabla-fleet exited with code ${child.exitCode}`);
    try {
      const local = JSON.parse(fs.readFileSync(path.join(dataDir, 'fleet.json'), 'utf8'));
      if (local.pid === child.pid && local.httpUrl) {
        const res = await fetch(`${local.httpUrl}/healthz`);
        if (res.ok) return local;
      }
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('tabla-fleet did not become healthy within 20 s');
}

/**
 * The simulated buses drive a loop through Velenje (approximate street points, lat/lon) with a
 * stop at each end; their doors are simulated too (hardware/: the real decoders behind them).
 */
const VELENJE_LOOP = [
  [46.35965, 15.11325],
  [46.35898, 15.11071],
  [46.35812, 15.10873],
  [46.35921, 15.10652],
  [46.36088, 15.10781],
  [46.36121, 15.11102],
  [46.35965, 15.11325],
];
const BUS_HARDWARE = {
  gnss: { kind: 'simulated', route: VELENJE_LOOP, speedMps: 8, stops: [{ lat: 46.35965, lon: 15.11325, dwellS: 20 }, { lat: 46.35921, lon: 15.10652, dwellS: 15 }] },
  doors: { kind: 'simulated', doors: [1, 2] },
};

async function provisionTown(local) {
  const configs = [];
  for (const d of TOWN) {
    const dir = path.join(dataDir, 'agents', d.id);
    const file = path.join(dir, 'agent.json');
    if (!fs.existsSync(file)) {
      const res = await fetch(`${local.httpUrl}/api/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${local.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(d),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`provisioning ${d.id}: ${body.error}`);
      fs.mkdirSync(dir, { recursive: true });
      const config = { deviceId: d.id, role: d.role, site: d.site, dataDir: './state', mqtt: { url: body.mqttUrl, password: body.secret }, settings: { heartbeatS: 10 } };
      if (d.role === 'bus') config.hardware = BUS_HARDWARE;
      fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    } else {
      // The broker port may differ from the last run: point the agent at this one.
      const config = JSON.parse(fs.readFileSync(file, 'utf8'));
      config.mqtt.url = local.mqttUrl;
      fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    }
    configs.push({ ...d, file, log: path.join(dir, 'agent.log') });
  }
  return configs;
}

buildIfNeeded();
fs.mkdirSync(dataDir, { recursive: true });
const env = { ...process.env, TABLA_DATA_DIR: dataDir, TABLA_HTTP_PORT: httpPort, TABLA_MQTT_PORT: mqttPort };
// Children get their own process group: Ctrl-C reaches only this script, which stops the agents
// first (so they say goodbye to a fleet that is still listening), then the fleet.
const fleet = spawn(process.execPath, [path.join(root, 'dist/fleet/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
const agents = [];
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the town…');
  for (const a of agents) a.kill('SIGTERM');
  await Promise.all(agents.map((a) => (a.exitCode !== null ? null : new Promise((r) => a.once('exit', r)))));
  if (fleet.exitCode === null) {
    fleet.kill('SIGTERM');
    await new Promise((r) => fleet.once('exit', r));
  }
  console.log('stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
fleet.on('exit', (code) => {
  if (!stopping) {
    console.error(`tabla-fleet exited (${code}); stopping the town`);
    void stop(1);
  }
});

try {
  const local = await waitForFleet(fleet);
  const town = await provisionTown(local);
  for (const d of town) {
    const log = fs.openSync(d.log, 'a');
    const child = spawn(process.execPath, [path.join(root, 'dist/device/main.js'), '--config', d.file], { stdio: ['ignore', log, log], detached: true });
    agents.push(child);
  }
  const relative = path.relative(process.cwd(), dataDir) || '.';
  const rel = relative.startsWith('..') ? dataDir : relative;
  console.log(`
Tabla demo is running: the fleet and ${town.length} agents (${[...new Set(TOWN.map((d) => d.role))].join(', ')}).

  API        ${local.httpUrl}/api/devices   (bearer token: "adminToken" in ${path.join(rel, 'fleet.json')})
  health     ${local.httpUrl}/healthz
  metrics    ${local.httpUrl}/metrics
  MQTT       ${local.mqttUrl}

  CLI        TABLA_DATA_DIR=${rel} npx tabla devices
             TABLA_DATA_DIR=${rel} npx tabla cmd bus-lokalc-1 ping --wait
  agent logs ${path.join(rel, 'agents', '<id>', 'agent.log')}

Ctrl-C stops everything.
`);
} catch (err) {
  console.error(`demo: ${err.message}`);
  await stop(1);
}
