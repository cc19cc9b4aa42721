#!/usr/bin/env node
// npm start: the fleet with its embedded broker and a small simulated town — Velenje's free town
// bus Lokal'c (three buses and a stop display at each of its 42 stops) and Celje's parking guidance
// (a counter at each car park's gates, 35 guidance panels on the main roads, 6 information panels)
// — every agent real, connecting over TCP with its own outbox under $TABLA_DATA_DIR: each bus a
// process of its own; the 42 stop displays one tabla-agent process with a `--config` each, and so
// Celje's counters, its panels and its information panels, one process each. Ctrl-C stops
// everything cleanly.
//
// The buses drive blocks of today's Lokal'c timetable (scripts/lokalc/: an illustrative feed the
// fleet loads as TABLA_GTFS, site velenje) from where those blocks are now: each one's GNSS log is
// written ahead, with the wall clock's times (scripts/lokalc/buses.mjs), and its agent plays it
// through the real NMEA decoder, outbox and MQTT; beside it, the riders who get off and on at each
// stop it stands at (scripts/lokalc/riders.mjs), which its simulated doors walk through their beams
// for the real counter and apc module. The fleet matches the buses to their trips, serves
// GTFS-Realtime and the stop displays' boards, and sums the ridership.
//
// Each stop display (scripts/lokalc/displays.mjs) draws its board on a simulated e-paper panel —
// the real Waveshare driver on the controller's emulator, at a real panel's pace — which saves its
// glass as $TABLA_DATA_DIR/displays/<id>.png after every refresh; the same picture goes to the
// fleet as the display's frame (`tabla preview <id>`).
//
// Celje (scripts/celje/): the fleet is given the car park catalogue and each car park's starting
// count; each counter's simulated loops play a seeded morning of its car park's traffic (Glazija
// full within the first minute), the occupancy engine turns the crossings into free spaces and
// states, and sends each guidance panel its rows; each panel's simulated LED sign saves what it
// shows as $TABLA_DATA_DIR/panels/<id>.png. Each information panel serves its page on its own
// loopback port (from TABLA_KIOSK_PORT, default 8091, on).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLokalcGtfs, zipFeed } from './lokalc/build-gtfs.mjs';
import { blocksForBuses, describeBus, inService, writeGnssLog } from './lokalc/buses.mjs';
import { DISPLAYS_DIR, displayHardware, stopDisplays } from './lokalc/displays.mjs';
import { VISIT_QUIET_S, writeVisitLog } from './lokalc/riders.mjs';
import { CAR_PARKS, TRAFFIC_DAY_STARTS_AT, celjeCatalogue, garageSpaces } from './celje/car-parks.mjs';
import { KIOSK_BASE_PORT, kioskPorts } from './celje/kiosks.mjs';
import { PANELS_DIR } from './celje/panels.mjs';
import { CELJE_PROCESSES, celjeAgentSetup, celjeDevices, loadCeljeParking } from './celje/town.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.TABLA_DATA_DIR ?? path.join(root, '.tabla'));
const httpPort = process.env.TABLA_HTTP_PORT ?? '8080';
const mqttPort = process.env.TABLA_MQTT_PORT ?? '1883';
const SITE = 'velenje';
/** Each bus's GNSS log and visit timeline cover this much time ahead; they are written again (and the agent restarted) every RENEW_MS. */
const GNSS_LOG_S = 4 * 3600;
const RENEW_MS = 3 * 3600_000;

const TOWN = [
  // labels: `label` the fleet number painted on the bus, `capacity` seated and standing
  { id: 'bus-lokalc-1', role: 'bus', site: SITE, labels: { label: '101', capacity: '60' } },
  { id: 'bus-lokalc-2', role: 'bus', site: SITE, labels: { label: '102', capacity: '60' } },
  { id: 'bus-lokalc-3', role: 'bus', site: SITE, labels: { label: '103', capacity: '40' } },
  // one at each stop; labels: `stop` the stop_id in the Lokal'c feed whose departures the display shows
  ...stopDisplays(),
  // Celje: a counter at each car park (labels: `carPark`), the guidance panels (labels: `carParks`, their rows), the information panels
  ...celjeDevices(),
];
/** Celje's car park catalogue as given to the fleet, written under the data dir (for `tabla parking import`). */
const CELJE_CATALOGUE = 'celje-car-parks.json';
/** The stop displays run in one agent process, logging to this file under the data dir. */
const DISPLAYS_LOG = path.join('agents', 'stop-displays.log');

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

/** Writes a file by way of a temp file and a rename. */
function writeAtomic(file, bytes, mode) {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, bytes, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
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

/** The parser, the receiver's talker and the doors' passenger walk are TypeScript: tsx (a dev dependency, like tsup) loads them. */
async function loadTypeScript() {
  const { tsImport } = await import('tsx/esm/api');
  const [{ parseGtfsZip }, { epochSentences }, { visitWalkMs }] = await Promise.all([
    tsImport('../protocols/index.ts', import.meta.url),
    tsImport('../hardware/gnss/talker.ts', import.meta.url),
    tsImport('../hardware/door/timeline.ts', import.meta.url),
  ]);
  return { parseGtfsZip, epochSentences, visitWalkMs };
}

function api(local) {
  const call = async (method, url, body) => {
    const res = await fetch(`${local.httpUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${local.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
  // A kept-alive connection the fleet closes just as it is reused (idle 5 s while the logs were
  // written) fails the request: GET and PUT are safe to send again.
  return (method, url, body) => call(method, url, body).catch((err) => (method === 'POST' ? Promise.reject(err) : call(method, url, body)));
}

/**
 * Provisions what is not provisioned yet and points every agent at this run's broker. A device
 * from an older demo with other labels is reported, not changed (the API has no relabelling).
 */
async function provisionTown(local, call, kioskPort) {
  const { body: known } = await call('GET', '/api/devices');
  const byId = new Map(known.map((d) => [d.id, d]));
  const configs = [];
  for (const d of TOWN) {
    const dir = path.join(dataDir, 'agents', d.id);
    const file = path.join(dir, 'agent.json');
    let config;
    if (!fs.existsSync(file)) {
      const res = await call('POST', '/api/devices', d);
      if (res.status !== 201) throw new Error(`provisioning ${d.id}: ${res.body.error}`);
      fs.mkdirSync(dir, { recursive: true });
      config = { deviceId: d.id, role: d.role, site: d.site, dataDir: './state', mqtt: { url: res.body.mqttUrl, password: res.body.secret }, settings: { heartbeatS: 10 } };
    } else {
      // The broker port may differ from the last run: point the agent at this one.
      config = JSON.parse(fs.readFileSync(file, 'utf8'));
      config.mqtt.url = local.mqttUrl;
      const labels = byId.get(d.id)?.labels ?? {};
      const wrong = Object.entries(d.labels ?? {}).filter(([k, v]) => labels[k] !== v);
      if (wrong.length) console.warn(`note: ${d.id} was provisioned by an older demo without ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')}: remove ${dataDir} to start afresh`);
    }
    if (d.role === 'bus') {
      config.hardware = {
        // the log buses.mjs writes, each fix played when the wall clock reaches its time
        gnss: { kind: 'replay', file: 'gnss.nmea', rate: 'clock', loop: false },
        // the riders riders.mjs writes, each stop's walked through the beams when the bus stands there
        doors: { kind: 'simulated', doors: [1, 2], visits: 'visits.jsonl' },
      };
      // a stop visit ends when the doors have been quiet this long: one apc record per stop
      const modules = config.settings?.modules ?? {};
      config.settings = { ...config.settings, modules: { ...modules, apc: { ...modules.apc, visitQuietS: VISIT_QUIET_S } } };
    }
    if (d.role === 'stop-display') config.hardware = displayHardware({ id: d.id, dataDir, configDir: dir });
    if (d.site === 'celje') {
      const setup = celjeAgentSetup(d, { dataDir, kioskPort });
      config.hardware = setup.hardware;
      config.settings = { ...config.settings, modules: { ...config.settings?.modules, [setup.module]: setup.settings } };
    }
    writeAtomic(file, JSON.stringify(config, null, 2) + '\n', 0o600);
    configs.push({ ...d, dir, file, log: path.join(dir, 'agent.log') });
  }
  return configs;
}

/** Waits until the devices `ids` are online, or `ms` have passed (then the town starts anyway). */
async function waitOnline(call, ids, ms) {
  const deadline = Date.now() + ms;
  const wanted = new Set(ids);
  while (Date.now() < deadline && !stopping) {
    const { body } = await call('GET', '/api/devices');
    if (body.filter((d) => wanted.has(d.id) && d.presence === 'online').length === wanted.size) return;
    await sleep(250);
  }
}

/**
 * Gives each bus a block of today's timetable, writes its receiver's log and its doors' visit
 * timeline from now on, and tells the fleet (as a dispatcher would) which block each bus runs, or
 * that it is out of service.
 */
async function planBuses(feed, { talk, walkMs }, buses, call) {
  const now = new Date();
  const blocks = blocksForBuses(feed, now, buses.length);
  const plans = [];
  for (const [i, bus] of buses.entries()) {
    const blockId = blocks[i];
    const ahead = { feed, blockId, fromMs: now.getTime(), seconds: GNSS_LOG_S };
    writeGnssLog({ file: path.join(bus.dir, 'gnss.nmea'), ...ahead, talk });
    writeVisitLog({ file: path.join(bus.dir, 'visits.jsonl'), ...ahead, walkMs, capacity: Number(bus.labels.capacity) });
    const res = await call('PUT', `/api/vehicles/${bus.id}/assignment`, { target: blockId ?? 'none' });
    if (res.status !== 200) throw new Error(`assigning ${bus.id} to ${blockId ?? 'none'}: ${res.body.error}`);
    // in service now and a minute and a half on: what the fleet will have matched within a minute
    const serving = inService(feed, blockId, now) && inService(feed, blockId, new Date(now.getTime() + 90_000));
    plans.push({ bus, blockId, serving, where: describeBus(feed, blockId, now) });
  }
  return plans;
}

buildIfNeeded();
fs.mkdirSync(dataDir, { recursive: true });
// The Lokal'c feed (the same bytes every run) is the fleet's timetable for site velenje.
const lokalcZip = path.join(dataDir, 'lokalc.zip');
const zipped = zipFeed(buildLokalcGtfs().files);
writeAtomic(lokalcZip, zipped);
const typescript = loadTypeScript();
typescript.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
const env = { ...process.env, TABLA_DATA_DIR: dataDir, TABLA_HTTP_PORT: httpPort, TABLA_MQTT_PORT: mqttPort, TABLA_GTFS: lokalcZip, TABLA_GTFS_SITE: SITE };
// Children get their own process group: Ctrl-C reaches only this script, which stops the agents
// first (so they say goodbye to a fleet that is still listening), then the fleet.
const fleet = spawn(process.execPath, [path.join(root, 'dist/fleet/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
/** device id (the stop displays: 'stop-displays') → its agent process */
const agents = new Map();
let stopping = false;
let renewTimer = null;

/** Restarts of each agent process in the last minute (systemd's StartLimitBurst: more, and it is left down). */
const restarts = new Map();

/**
 * Runs the agents of `ds` in one tabla-agent process, known as `name`, logging to `logFile`, and
 * restarts it when it exits as the systemd unit (scripts/deploy/tabla-agent.service) would:
 * after a `restart` command (exit 0) or a crash (1), 2 s later; not after a config error (2).
 */
function startAgents(name, ds, logFile) {
  const log = fs.openSync(logFile, 'a');
  const args = ds.flatMap((d) => ['--config', d.file]);
  const child = spawn(process.execPath, [path.join(root, 'dist/device/main.js'), ...args], { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  agents.set(name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const why = signal ? `signal ${signal}` : `exit ${code}`;
    if (code === 2) return console.error(`${name}: stopped (${why}: a config error); not restarted — see ${logFile}`);
    const now = Date.now();
    const recent = (restarts.get(name) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= 5) return console.error(`${name}: restarted 5 times in a minute (${why}); left down — see ${logFile}`);
    restarts.set(name, [...recent, now]);
    console.log(`${name}: ${why}; restarting in 2 s, as systemd would`);
    setTimeout(() => {
      if (!stopping) startAgents(name, ds, logFile);
    }, 2000);
  });
}

const startAgent = (d) => startAgents(d.id, [d], d.log);

async function stopAgent(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  clearTimeout(renewTimer);
  console.log('\nstopping the town…');
  await Promise.all([...agents.values()].map(stopAgent));
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

const clock = (ms, timeZone) => new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

function busLines(plans) {
  const width = Math.max(...plans.map((p) => (p.blockId ?? 'spare').length));
  const lines = plans.map((p) => `  ${p.bus.id}  ${p.bus.labels.label}  ${(p.blockId ?? 'spare').padEnd(width)}  ${p.where}`);
  const serving = plans.filter((p) => p.serving).length;
  if (serving === 0) {
    lines.push(
      `  0 of the ${plans.length} buses are in service now: no Lokal'c bus runs at this hour. They stand at the bus`,
      '  station and show in the feeds without a trip (no trip updates) until their first departures.',
    );
  } else {
    lines.push(`  ${serving} of the ${plans.length} buses ${serving === 1 ? 'is' : 'are'} in service now: the fleet matches ${serving === 1 ? 'it to its trip' : 'them to their trips'} within a minute.`);
  }
  return lines;
}

try {
  const local = await waitForFleet(fleet);
  const call = api(local);
  const kiosks = TOWN.filter((d) => d.role === 'info-panel');
  const ports = await kioskPorts(kiosks.length, Number(process.env.TABLA_KIOSK_PORT ?? KIOSK_BASE_PORT));
  const kioskPort = (id) => ports[kiosks.findIndex((k) => k.id === id)];
  const town = await provisionTown(local, call, kioskPort);
  const displays = town.filter((d) => d.role === 'stop-display');
  startAgents('stop-displays', displays, path.join(dataDir, DISPLAYS_LOG));
  // Celje: the catalogue and the starting counts before the counters count their first cars. Its
  // agents start once the stop displays are connected: 90 agents connecting at once on a small
  // machine keep the broker's answers waiting past the agents' connect timeout.
  await loadCeljeParking(call);
  writeAtomic(path.join(dataDir, CELJE_CATALOGUE), JSON.stringify(celjeCatalogue(), null, 2) + '\n');
  await waitOnline(call, displays.map((d) => d.id), 30_000);
  for (const [role, p] of Object.entries(CELJE_PROCESSES)) startAgents(p.name, town.filter((d) => d.role === role), path.join(dataDir, p.log));
  const { parseGtfsZip, epochSentences, visitWalkMs } = await typescript;
  const feed = parseGtfsZip(zipped).feed;
  const buses = town.filter((d) => d.role === 'bus');
  const ahead = { talk: epochSentences, walkMs: visitWalkMs };
  const plans = await planBuses(feed, ahead, buses, call);
  for (const d of buses) startAgent(d);

  // Before the logs run out: new logs from where the blocks are then, and the bus agents restarted to read them.
  const renew = async () => {
    try {
      await planBuses(feed, ahead, buses, call);
      for (const d of buses) {
        if (stopping) return;
        await stopAgent(agents.get(d.id));
        if (!stopping) startAgent(d);
      }
      console.log(`${new Date().toISOString()} the buses' GNSS logs and riders are renewed for the next ${GNSS_LOG_S / 3600} h`);
    } catch (err) {
      console.error(`renewing the buses' GNSS logs and riders failed: ${err.message}`);
    }
    if (!stopping) renewTimer = setTimeout(renew, RENEW_MS);
  };
  renewTimer = setTimeout(renew, RENEW_MS);

  const relative = path.relative(process.cwd(), dataDir) || '.';
  const rel = relative.startsWith('..') ? dataDir : relative;
  const shown = (id) => {
    const d = displays.find((x) => x.id === id);
    return `${id} (${feed.stops.get(d.labels.stop)?.name})`;
  };
  const cli = `TABLA_DATA_DIR=${rel} npx tabla`;
  const counted = (role) => town.filter((d) => d.role === role).length;
  const garages = CAR_PARKS.filter((c) => c.kind === 'garage');
  const open = CAR_PARKS.filter((c) => c.kind === 'open');
  const parkList = (cs) => cs.map((c) => `${c.name.replace(/^(Garažna hiša|Parkirišče) /, '')} ${c.capacity}`).join(', ');
  const kioskLines = kiosks.map((k) => `             http://127.0.0.1:${kioskPort(k.id)}/   ${k.id}`);
  console.log(`
Tabla demo is running: the fleet and ${town.length} agents (${[...new Set(TOWN.map((d) => d.role))].join(', ')}).

Lokal'c, Velenje's free town bus, ${clock(Date.now(), feed.timeZone)} in Velenje, on an illustrative timetable (${path.join(rel, 'lokalc.zip')}):
${busLines(plans).join('\n')}
  ${displays.length} stop displays, one at each stop: ${shown('stop-velenje-postaja')}, ${shown('stop-velenje-trznica')}, …
  all in one tabla-agent process, each with a simulated 800×480 e-paper panel (refreshing at a real panel's pace).
  What each shows, saved after every refresh:
             ${path.join(rel, DISPLAYS_DIR, '<id>.png')}   e.g. ${path.join(rel, DISPLAYS_DIR, 'stop-velenje-trznica.png')}

  GTFS-RT    ${local.httpUrl}/gtfs-rt/vehicle-positions   (?format=json to read it)
             ${local.httpUrl}/gtfs-rt/trip-updates
  API        ${local.httpUrl}/api/devices   (bearer token: "adminToken" in ${path.join(rel, 'fleet.json')})
  health     ${local.httpUrl}/healthz
  metrics    ${local.httpUrl}/metrics
  MQTT       ${local.mqttUrl}

  CLI        ${cli} vehicles          where each bus is on the timetable
             ${cli} eta ap            the bus station's next departures
             ${cli} preview stop-velenje-trznica
                                       what the display at Tržnica shows, in the terminal (-o file.png to save it)
             ${cli} ridership         boardings and alightings per stop and hour, load profiles
             ${cli} devices
             ${cli} cmd bus-lokalc-1 ping --wait

Parking in Celje, on a simulated morning (from ${TRAFFIC_DAY_STARTS_AT}, whatever the hour; capacities and places illustrative, scripts/celje/):
  garages    ${parkList(garages)} (${garageSpaces()} spaces together)
  open       ${parkList(open)}
             the catalogue the fleet was given: ${path.join(rel, CELJE_CATALOGUE)}
  ${counted('car-park-counter')} counters, one at each car park's gates, their simulated loops playing the morning's traffic: Glazija
  fills to ZASEDENO within the first minute and turns cars away.
  ${counted('parking-panel')} guidance panels on the main roads (panel-celje-<road>-<n>), each a simulated LED sign; what each shows:
             ${path.join(rel, PANELS_DIR, '<id>.png')}   e.g. ${path.join(rel, PANELS_DIR, 'panel-celje-ljubljanska-1.png')}
  ${counted('info-panel')} information panels, each its page on its own port:
${kioskLines.join('\n')}

  CLI        ${cli} parking           every car park: free, state, trend
             ${cli} parking show glazija
             ${cli} preview panel-celje-ljubljanska-1
                                       what the panel on Ljubljanska cesta shows, in the terminal
  open data  curl ${local.httpUrl}/parking.json      (ParkAPI JSON)
             curl ${local.httpUrl}/parking/datex2    (DATEX II ParkingStatusPublication)

  agent logs ${path.join(rel, 'agents', '<id>', 'agent.log')}, the stop displays' ${path.join(rel, DISPLAYS_LOG)},
             Celje's ${Object.values(CELJE_PROCESSES).map((p) => path.join(rel, p.log)).join(', ')}

Ctrl-C stops everything.
`);
} catch (err) {
  console.error(`demo: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ""}`);
  await stop(1);
}
