/**
 * npm start, as a newcomer runs it: the fleet with the Lokal'c timetable and a town of 94 agents
 * (three buses, a stop display at each of the 42 stops; in Celje a counter at each of 8 car parks,
 * 35 guidance panels and 6 information panels).
 * Within a minute its GTFS-Realtime feeds (decoded with gtfs-realtime-bindings, as any consumer
 * would) show the three buses, matched to trips of the blocks the demo gave them, with trip
 * updates; a stop display has its arrival board; every stop display's simulated e-paper panel saves
 * its glass as an 800×480 PNG in the data dir, and the same picture reaches the fleet as its frame
 * (what `tabla preview` shows); the buses' simulated doors play the riders the demo wrote for them,
 * and a stop's riders reach the fleet's ridership as an apc record; Ctrl-C stops everything
 * cleanly, the displays showing their out-of-service screen.
 *
 * Celje: the fleet has the car park catalogue (GET /api/parking), the counters' simulated traffic
 * moves the counts, Glazija reaches `full` within the first minutes, a guidance panel on its road
 * shows ZASEDENO (its frame, and the PNG its simulated sign saves), the open data answer
 * (/parking.json, /parking/datex2), and each information panel's page answers on the port printed.
 * The dashboard, driven in Chromium (demo-dashboard.ts), shows it all live, and a command from it
 * reaches a display.
 *
 * The demo runs on today's timetable at the time the test runs. What can be asked of it depends
 * on how many buses the timetable has in service now, which the demo prints ("N of the 3 buses are
 * in service now"): at night none, so no trip can be matched; on a Sunday one block runs. Three
 * vehicles show whatever the hour.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { PNG } from 'pngjs';
import { departuresAt, parseGtfsZip, type GtfsFeed } from '../../protocols/index.js';
import { parseVisitTimeline, visitWalkMs, type TimelineVisit } from '../../hardware/door/timeline.js';
import { VISIT_QUIET_S } from '../../scripts/lokalc/riders.mjs';
import { displayPng, stopDisplays } from '../../scripts/lokalc/displays.mjs';
import { Catalogue } from '../../fleet/engines/occupancy/index.js';
import { CAR_PARKS } from '../../scripts/celje/car-parks.mjs';
import { panelPng } from '../../scripts/celje/panels.mjs';
import { celjeDevices } from '../../scripts/celje/town.mjs';
import { freePort, tmpDir, waitFor } from '../helpers.js';
import { dashboardOnDemo } from './demo-dashboard.js';

const { transit_realtime } = GtfsRealtimeBindings;
const BUSES = ['bus-lokalc-1', 'bus-lokalc-2', 'bus-lokalc-3'];
const DISPLAYS = stopDisplays().map((d) => d.id);
const CELJE = celjeDevices();
/** Buses, stop displays and Celje's counters, guidance panels and information panels. */
const AGENTS = BUSES.length + DISPLAYS.length + CELJE.length;
/** A guidance panel on Ljubljanska cesta whose first row is Glazija. */
const GLAZIJA_PANEL = 'panel-celje-ljubljanska-1';

interface Demo {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  startedAt: number;
  dataDir: string;
  base: string;
  mqttPort: number;
  token: string;
  feed: GtfsFeed;
  /** buses in service now and in 90 s, as the demo says */
  serving: number;
  /** bus → the block the demo gave it (null: spare) */
  blocks: Map<string, string | null>;
}

const demo = suite<{ d?: Demo }>('npm start: the Lokal\'c demo');

demo.before(async (ctx) => {
  const dataDir = tmpDir('tabla-demo-');
  const [httpPort, mqttPort, kioskPort] = [await freePort(), await freePort(), await freePort()];
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['scripts/demo.mjs'], {
    env: { ...process.env, TABLA_DATA_DIR: dataDir, TABLA_HTTP_PORT: String(httpPort), TABLA_MQTT_PORT: String(mqttPort), TABLA_KIOSK_PORT: String(kioskPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const d: Partial<Demo> = { child, out: () => out, exited, startedAt, dataDir, mqttPort, base: `http://127.0.0.1:${httpPort}` };
  ctx.d = d as Demo;
  await waitFor('the demo prints its URLs', () => out.includes('Ctrl-C stops everything') || child.exitCode !== null, 60_000, 100);
  assert.ok(child.exitCode === null, `the demo exited:\n${out}`);
  const serving = /(\d) of the 3 buses (?:is|are) in service now/.exec(out);
  assert.ok(serving, `the demo says how many buses are in service:\n${out}`);
  d.serving = Number(serving[1]);
  d.blocks = new Map(BUSES.map((id) => [id, new RegExp(`^  ${id}  \\d+  (\\S+)  `, 'm').exec(out)?.[1] ?? null]));
  for (const id of BUSES) assert.ok(d.blocks.has(id) && d.blocks.get(id) !== undefined, `the demo prints ${id}'s block`);
  d.token = JSON.parse(fs.readFileSync(path.join(dataDir, 'fleet.json'), 'utf8')).adminToken;
  d.feed = parseGtfsZip(new Uint8Array(fs.readFileSync(path.join(dataDir, 'lokalc.zip')))).feed;
});

demo.after(async ({ d }) => {
  if (d && d.child.exitCode === null) d.child.kill('SIGKILL');
  await d?.exited;
});

/** The time left of the minute the issue allows from the demo's start. */
const withinAMinute = (d: Demo) => Math.max(1000, d.startedAt + 60_000 - Date.now());

async function feedOf(d: Demo, which: 'vehicle-positions' | 'trip-updates') {
  const res = await fetch(`${d.base}/gtfs-rt/${which}`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/x-protobuf');
  return transit_realtime.FeedMessage.decode(new Uint8Array(await res.arrayBuffer()));
}

async function api<T>(d: Demo, url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${d.base}${url}`, { headers: { authorization: `Bearer ${d.token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

demo(`it prints its URLs, and ${AGENTS} agents come online, each with its own outbox`, async ({ d }) => {
  const out = d!.out();
  assert.match(out, `${d!.base}/api/devices`);
  assert.match(out, `${d!.base}/gtfs-rt/vehicle-positions`);
  assert.match(out, `${d!.base}/gtfs-rt/trip-updates`);
  assert.match(out, `mqtt://127.0.0.1:${d!.mqttPort}`);
  assert.match(out, 'npx tabla vehicles');
  assert.match(out, 'npx tabla eta ap');
  assert.match(out, 'npx tabla preview stop-velenje-trznica');
  assert.match(out, `${path.join(d!.dataDir, 'displays')}/<id>.png`);
  const devices = await waitFor(
    `${AGENTS} agents online`,
    async () => {
      const { body } = await api<{ id: string; role: string; site: string; labels: Record<string, string>; presence: string }[]>(d!, '/api/devices');
      return body.length === AGENTS && body.every((x) => x.presence === 'online') ? body : null;
    },
    30_000,
    200,
  );
  assert.equal(new Set(devices.map((x) => x.role)), new Set(['bus', 'stop-display', 'parking-panel', 'car-park-counter', 'info-panel']));
  for (const x of devices) assert.ok(fs.existsSync(path.join(d!.dataDir, 'agents', x.id, 'state', 'agent.db')), `${x.id} has its own outbox`);
  for (const x of devices.filter((x) => x.role === 'bus')) {
    assert.is(x.site, 'velenje');
    assert.match(x.labels.label ?? '', /^\d+$/, `${x.id} has its fleet number`);
    assert.ok(Number(x.labels.capacity) > 0, `${x.id} has its capacity`);
  }
  const displays = devices.filter((x) => x.role === 'stop-display');
  assert.equal(displays.map((x) => x.id).sort(), [...DISPLAYS].sort(), 'a display at each stop');
  for (const x of displays) assert.ok(d!.feed.stops.has(x.labels.stop ?? ''), `${x.id} shows a stop of the feed (${x.labels.stop})`);
  assert.is(new Set(displays.map((x) => x.labels.stop)).size, d!.feed.stops.size, 'every stop of the feed has its display');
  const celje = devices.filter((x) => x.site === 'celje');
  assert.equal(celje.map((x) => x.id).sort(), CELJE.map((x) => x.id).sort(), "Celje's agents");
  for (const x of celje.filter((x) => x.role === 'parking-panel')) assert.ok((x.labels.carParks ?? '').split(',').length >= 2, `${x.id} names its car parks`);
});

interface ParkStatus {
  id: string;
  site: string;
  capacity: number;
  occupied: number;
  free: number | null;
  state: string;
  updatedAt: string | null;
}

/** How long from the demo's start Glazija may take to show full (its traffic does it in about a minute). */
const GLAZIJA_FULL_MS = 120_000;

demo("Celje: the catalogue is in, the counters' traffic moves the counts, and Glazija fills to full", async ({ d }) => {
  const demo = d!;
  const out = demo.out();
  assert.match(out, 'npx tabla parking');
  assert.match(out, `npx tabla preview ${GLAZIJA_PANEL}`);
  assert.match(out, `curl ${demo.base}/parking.json`);
  assert.match(out, `${path.join(demo.dataDir, 'panels')}/<id>.png`);
  const parks = async () => (await api<{ carParks: ParkStatus[] }>(demo, '/api/parking?site=celje')).body.carParks;
  const first = await parks();
  assert.equal(first.map((p) => p.id).sort(), CAR_PARKS.map((c) => c.id).sort(), 'every car park of the catalogue');
  for (const p of first) assert.is(p.capacity, CAR_PARKS.find((c) => c.id === p.id)!.capacity, p.id);
  // the catalogue as the demo gave it, written for `tabla parking import`
  const written = Catalogue.parse(JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'celje-car-parks.json'), 'utf8')));
  assert.equal(written.carParks.map((c) => c.id).sort(), CAR_PARKS.map((c) => c.id).sort());
  // The demo set each count to its traffic's start; crossings move them from there.
  const moved = await waitFor(
    'counts moved by crossings',
    async () => {
      const now = await parks();
      const m = now.filter((p) => p.occupied !== CAR_PARKS.find((c) => c.id === p.id)!.traffic.inside);
      return m.length >= 2 ? m : null;
    },
    90_000,
    1000,
  );
  assert.ok(moved.length >= 2, `counts moved: ${moved.map((p) => `${p.id} ${p.occupied}`).join(', ')}`);
  const glazija = await waitFor(
    'Glazija full',
    async () => (await parks()).find((p) => p.id === 'glazija' && p.state === 'full') ?? null,
    Math.max(1000, demo.startedAt + GLAZIJA_FULL_MS - Date.now()),
    1000,
  );
  assert.ok(glazija.free !== null && glazija.free <= 6, `Glazija shows few free spaces (${glazija.free})`);
  assert.ok(glazija.occupied <= glazija.capacity);
});

demo('Celje: a guidance panel shows Glazija ZASEDENO (its frame and the PNG of its sign), and the open data answer', async ({ d }) => {
  const demo = d!;
  const frame = await waitFor(
    `${GLAZIJA_PANEL}'s frame with GLAZIJA ZASEDENO`,
    async () => {
      const res = await api<{ kind: string; summary: string; hash: string | null }>(demo, `/api/devices/${GLAZIJA_PANEL}/frame`);
      return res.status === 200 && res.body.summary.includes('GLAZIJA ZASEDENO') ? res.body : null;
    },
    30_000,
    500,
  );
  assert.is(frame.kind, 'parking-counts');
  assert.ok(frame.hash, 'with the picture of the sign');
  const png = panelPng(demo.dataDir, GLAZIJA_PANEL);
  await waitFor(`${png}`, () => fs.existsSync(png) || null, 10_000, 250);
  const { width, height, ink } = inkOf(fs.readFileSync(png));
  assert.ok(width > 100 && height > 20, `a sign's picture (${width}×${height})`);
  assert.ok(ink.some((v) => v === 0) && ink.some((v) => v === 1), 'lit and dark LEDs');

  const json = await fetch(`${demo.base}/parking.json`);
  assert.is(json.status, 200);
  const items = ((await json.json()) as { items: { uid: string; capacity: number; realtime_opening_status: string; realtime_free_capacity?: number }[] }).items;
  assert.equal(items.map((i) => i.uid).sort(), CAR_PARKS.map((c) => c.id).sort());
  const g = items.find((i) => i.uid === 'glazija')!;
  assert.is(g.realtime_opening_status, 'OPEN');
  assert.ok(typeof g.realtime_free_capacity === 'number' && g.realtime_free_capacity <= 6, `Glazija's free spaces in the open data (${g.realtime_free_capacity})`);

  const xml = await fetch(`${demo.base}/parking/datex2`);
  assert.is(xml.status, 200);
  assert.match(xml.headers.get('content-type') ?? '', 'application/xml');
  const text = await xml.text();
  for (const c of CAR_PARKS) assert.match(text, `id="${c.id}"`);
  assert.match(text, /<parkingSiteStatus>(full|fullAtEntrance)<\/parkingSiteStatus>/);
});

demo("Celje: each information panel's page answers on the port the demo prints, with the car parks", async ({ d }) => {
  const demo = d!;
  const urls = [...demo.out().matchAll(/^ {13}(http:\/\/127\.0\.0\.1:\d+\/) {3}(info-celje-\S+)$/gm)].map((m) => ({ url: m[1]!, id: m[2]! }));
  assert.equal(urls.map((u) => u.id).sort(), CELJE.filter((x) => x.role === 'info-panel').map((x) => x.id).sort(), 'a URL for each');
  assert.is(new Set(urls.map((u) => u.url)).size, urls.length, 'each its own port');
  for (const { url, id } of urls) {
    const page = await fetch(url);
    assert.is(page.status, 200, `${id}'s page`);
    assert.match(page.headers.get('content-type') ?? '', 'text/html');
  }
  const view = await waitFor(
    "a kiosk's view with the car parks",
    async () => {
      const res = await fetch(`${urls[0]!.url}api/kiosk`);
      const body = (await res.json()) as Record<string, unknown>;
      return JSON.stringify(body).includes('Glazija') ? body : null;
    },
    30_000,
    500,
  );
  assert.ok(view);
});

demo('within a minute, GTFS-RT shows the three buses, matched to trips of their blocks, with trip updates', async ({ d }) => {
  const demo = d!;
  const wanted = Math.min(2, demo.serving);
  if (wanted === 0) console.log(`  (no Lokal'c bus is in service now, ${new Date().toISOString()}: the buses cannot be matched to trips; the trip-descriptor and trip-update checks are skipped)`);
  else if (wanted < 2) console.log(`  (only ${demo.serving} bus in service now, ${new Date().toISOString()}: one trip descriptor expected, not two)`);
  const matched = await waitFor(
    `three vehicles, ${wanted} with a trip`,
    async () => {
      const vp = await feedOf(demo, 'vehicle-positions');
      const ids = vp.entity.map((e) => e.vehicle?.vehicle?.id);
      const onTrip = vp.entity.filter((e) => e.vehicle?.trip?.tripId);
      return ids.length === 3 && onTrip.length >= wanted ? { vp, onTrip } : null;
    },
    withinAMinute(demo),
    500,
  );
  assert.equal(matched.vp.entity.map((e) => e.vehicle!.vehicle!.id).sort(), BUSES);
  for (const e of matched.vp.entity) {
    const p = e.vehicle!.position!;
    assert.ok(Math.abs(p.latitude - 46.36) < 0.05 && Math.abs(p.longitude - 15.11) < 0.05, `${e.id} is in Velenje: ${p.latitude}, ${p.longitude}`);
    assert.ok(Math.abs(Date.now() / 1000 - Number(e.vehicle!.timestamp)) < 90, `${e.id}'s fix is fresh`);
  }
  for (const e of matched.onTrip) {
    const trip = demo.feed.trips.get(e.vehicle!.trip!.tripId!);
    assert.ok(trip, `${e.id}: trip ${e.vehicle!.trip!.tripId} is in the Lokal'c feed`);
    assert.is(trip!.blockId, demo.blocks.get(e.id!), `${e.id} is matched to a trip of the block it drives`);
  }
  if (wanted === 0) return;
  const tu = await waitFor(
    'trip updates',
    async () => {
      const feed = await feedOf(demo, 'trip-updates');
      return feed.entity.length > 0 ? feed : null;
    },
    withinAMinute(demo),
    500,
  );
  for (const e of tu.entity) {
    const update = e.tripUpdate!;
    assert.ok(demo.feed.trips.has(update.trip.tripId!), `trip update of ${update.trip.tripId}, a trip of the feed`);
    assert.ok(update.stopTimeUpdate!.length > 0, `${e.id} has stop time updates`);
    for (const s of update.stopTimeUpdate!) assert.type(s.stopSequence, 'number', `${e.id}: stop_sequence on each update`);
  }
});

demo('a stop display has its arrival board, and the bus station\'s arrivals answer', async ({ d }) => {
  const demo = d!;
  const frame = await waitFor(
    "the bus station display's arrival board",
    async () => (await api<{ frame: { kind: string } | null }>(demo, '/api/devices/stop-velenje-postaja')).body.frame,
    Math.max(withinAMinute(demo), 20_000),
    500,
  );
  assert.is(frame.kind, 'arrival-board');
  const { status, body } = await api<{ stop: { id: string; site: string }; arrivals: { line: string; tripId: string }[] }>(demo, '/api/stops/ap/arrivals');
  assert.is(status, 200);
  assert.equal(body.stop, { id: 'ap', name: 'Avtobusna postaja Velenje', site: 'velenje' });
  for (const a of body.arrivals) assert.ok(demo.feed.trips.has(a.tripId), `${a.tripId} is a trip of the feed`);
  // The board looks two hours ahead; what the timetable has well inside that must be on it.
  const now = Date.now();
  const timetabled = departuresAt(demo.feed, 'ap', new Date(now + 2 * 60_000), new Date(now + 100 * 60_000));
  if (timetabled.length) assert.ok(body.arrivals.length > 0, `departures at the bus station (the timetable has ${timetabled.length})`);
  else console.log(`  (the timetable has no departure from the bus station in the next two hours, ${new Date().toISOString()}: its board is empty)`);
});

/** A PNG's pixels as ink (1) and paper (0), with its size. */
function inkOf(bytes: Buffer): { width: number; height: number; ink: Uint8Array } {
  const png = PNG.sync.read(bytes);
  const ink = new Uint8Array(png.width * png.height);
  for (let i = 0; i < ink.length; i++) ink[i] = png.data[i * 4]! < 128 ? 1 : 0;
  return { width: png.width, height: png.height, ink };
}

demo("every stop display's panel saves its glass as an 800×480 PNG, and the same picture reaches the fleet as its frame", async ({ d }) => {
  const demo = d!;
  // The first picture is a full refresh (about 4 s at a real panel's pace), all 42 panels at once.
  const files = DISPLAYS.map((id) => displayPng(demo.dataDir, id));
  await waitFor('a PNG from every display', () => files.every((f) => fs.existsSync(f)) || null, 60_000, 250);
  for (const f of files) {
    const { width, height, ink } = inkOf(fs.readFileSync(f));
    assert.equal([width, height], [800, 480], f);
    const black = ink.reduce((n, v) => n + v, 0);
    assert.ok(black > 1000 && black < ink.length / 2, `${path.basename(f)} shows something, ink on paper (${black} black pixels)`);
  }
  const config = JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'agents', 'stop-velenje-trznica', 'agent.json'), 'utf8'));
  assert.is(config.hardware.epaper.kind, 'simulated');
  assert.is(config.hardware.epaper.speed, 1, "refresh times as a real panel's");

  // What Tržnica's display shows reached the fleet: its frame (kind, summary) and its picture — the
  // glass the panel saved, pixel for pixel (read again if a refresh fell between the two reads).
  const id = 'stop-velenje-trznica';
  const frame = await waitFor(
    `${id}'s frame with its picture`,
    async () => {
      const { body } = await api<{ frame: { kind: string; summary: string; hash: string | null } | null }>(demo, `/api/devices/${id}`);
      return body.frame?.hash ? body.frame : null;
    },
    30_000,
    250,
  );
  assert.is(frame.kind, 'arrival-board');
  assert.ok(frame.summary.length > 0, 'a summary of what it shows');
  const same = await waitFor(
    `${id}'s frame.png the same as its panel's PNG`,
    async () => {
      const res = await fetch(`${demo.base}/api/devices/${id}/frame.png`, { headers: { authorization: `Bearer ${demo.token}` } });
      if (res.status !== 200) return null;
      assert.is(res.headers.get('content-type'), 'image/png');
      const fleet = inkOf(Buffer.from(await res.arrayBuffer()));
      const glass = inkOf(fs.readFileSync(displayPng(demo.dataDir, id)));
      assert.equal([fleet.width, fleet.height], [800, 480]);
      return Buffer.compare(Buffer.from(fleet.ink), Buffer.from(glass.ink)) === 0 || null;
    },
    30_000,
    500,
  );
  assert.ok(same);
});

/** How much longer than its other checks the demo may run to see a stop's riders counted (ms). */
const APC_BUDGET_MS = 30_000;

demo("the buses' doors play the riders written for them, and a stop's riders reach the fleet as an apc record", async ({ d }) => {
  const demo = d!;
  const all: TimelineVisit[] = [];
  /** When each stop visit's apc record goes out: once its doors have been quiet VISIT_QUIET_S (checked each second). */
  const recordsAt: number[] = [];
  for (const id of BUSES) {
    const dir = path.join(demo.dataDir, 'agents', id);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8'));
    assert.equal(config.hardware.doors, { kind: 'simulated', doors: [1, 2], visits: 'visits.jsonl' }, `${id}'s doors play its riders`);
    assert.is(config.settings.modules.apc.visitQuietS, VISIT_QUIET_S, `${id}: a stop visit ends as the riders are timed`);
    const file = path.join(dir, 'visits.jsonl');
    const visits = parseVisitTimeline(fs.readFileSync(file, 'utf8'), file, [1, 2]);
    all.push(...visits);
    // the doors count from the agent's start on (its birth comes after): a visit due sooner is skipped
    const { body } = await api<{ birth: { ts: number } | null }>(demo, `/api/devices/${id}`);
    let quietFrom = -Infinity;
    for (const v of visits.filter((v) => body.birth && v.at > body.birth.ts)) {
      if (v.at - quietFrom > VISIT_QUIET_S * 1000) recordsAt.push(-Infinity);
      quietFrom = Math.max(quietFrom, v.at + visitWalkMs(v));
      recordsAt[recordsAt.length - 1] = quietFrom + VISIT_QUIET_S * 1000 + 2000;
    }
  }
  if (demo.serving > 0) assert.ok(all.length > 0, 'a bus in service has riders');
  const first = Math.min(...recordsAt);
  if (!Number.isFinite(first) || first > Date.now() + APC_BUDGET_MS) {
    const when = Number.isFinite(first) ? `the first stop's riders are counted at ${new Date(first).toISOString()}` : "no bus stands at a stop in the demo's next hours";
    console.log(`  (${when}, ${new Date().toISOString()}: the apc check is skipped)`);
    return;
  }
  const ridership = await waitFor(
    'an apc record in the ridership',
    async () => {
      const { body } = await api<{ totals: { visits: number; boardings: number; alightings: number }; stops: { stopId: string }[] }>(
        demo,
        `/api/ridership?from=${new Date(demo.startedAt - 60_000).toISOString()}`,
      );
      return body.totals.visits > 0 ? body : null;
    },
    Math.max(1000, first - Date.now() + 5000),
    500,
  );
  assert.ok(ridership.totals.boardings + ridership.totals.alightings > 0, 'riders counted');
  for (const s of ridership.stops) assert.ok(demo.feed.stops.has(s.stopId), `${s.stopId} is a stop of the feed`);
});

demo('the dashboard in Chromium: every agent online, Identify reaches a stop display and its answer shows; screenshots as artefacts', async ({ d }) => {
  const shots = await dashboardOnDemo({ base: d!.base, token: d!.token, agents: AGENTS, display: 'stop-velenje-trznica', carPark: 'glazija' });
  for (const f of shots) assert.ok(fs.statSync(f).size > 10_000, `${f} saved`);
});

demo('a `restart` command: the agent acknowledges and exits, and the demo starts it again, as systemd would', async ({ d }) => {
  const bus = BUSES[0]!;
  const bornAt = (await api<{ birth?: { ts: number } }>(d!, `/api/devices/${bus}`)).body.birth?.ts ?? 0;
  const res = await fetch(`${d!.base}/api/devices/${bus}/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d!.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ verb: 'restart' }),
  });
  assert.is(res.status, 202);
  const { cmdId } = (await res.json()) as { cmdId: string };
  await waitFor('the restart acknowledged', async () => (await api<{ status: string }>(d!, `/api/devices/${bus}/commands/${cmdId}`)).body.status === 'succeeded', 15_000, 200);
  await waitFor('the demo restarting it', () => d!.out().includes(`${bus}: exit 0; restarting in 2 s`), 15_000, 100);
  await waitFor(
    `${bus} born again and online`,
    async () => {
      const { body } = await api<{ presence: string; birth?: { ts: number } }>(d!, `/api/devices/${bus}`);
      return body.presence === 'online' && (body.birth?.ts ?? 0) > bornAt;
    },
    20_000,
    200,
  );
});

demo('Ctrl-C stops everything cleanly: every agent says goodbye before the fleet goes, the displays showing out of service', async ({ d }) => {
  const file = displayPng(d!.dataDir, 'stop-velenje-trznica');
  const before = inkOf(fs.readFileSync(file)).ink;
  const from = d!.out().length;
  d!.child.kill('SIGINT');
  assert.is(await d!.exited, 0, 'clean exit');
  assert.match(d!.out(), /stopped\./);
  assert.is((d!.out().slice(from).match(/device offline/g) ?? []).length, AGENTS);
  assert.ok(Buffer.compare(Buffer.from(inkOf(fs.readFileSync(file)).ink), Buffer.from(before)) !== 0, 'its last screen is another: out of service');
});

demo.run();
