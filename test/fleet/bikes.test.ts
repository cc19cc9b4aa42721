/**
 * The bikes engine (fleet/engines/bikes): pure parts (sources, nearest stations, the body and its
 * freshness), then the engine on a real fleet reading the BICY fixture (test/data/gbfs/v2.3)
 * from an HTTP server on loopback, with a real stop-display agent: the display's footer gets the
 * nearest station's bikes and docks; a failed read keeps the last good data until it goes stale;
 * stale data is shown nowhere as live, even when read again without fault.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { Agent } from '../../device/agent.js';
import { departures } from '../../device/modules/departures/index.js';
import { agentConfigFor } from '../../fleet/provision.js';
import { bikeStationsBody, bikesEngine, deviceStops, nearBikes, nearestStations, parseSourcesEnv, readBikeFeed } from '../../fleet/engines/bikes/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import type { BikeStations } from '../../protocols/index.js';
import { AgentConfig as AgentConfigSchema, Content, decode, topic } from '../../protocols/index.js';
import { LAT, lineFeed, lonOf } from '../fixtures/eta-line.js';
import { GBFS_DIR, gbfsServer } from '../fixtures/gbfs-server.js';
import { SteppableClock, api, fleetClient, quiet, startFleet, tmpDir, waitFor } from '../helpers.js';

const DIR = path.join(GBFS_DIR, 'v2.3');
const T0 = Date.parse('2026-11-30T08:00:00+01:00');
const NEAR = { radiusM: 300, max: 3, marginS: 60 };
/** S1 "Titov trg", some 25 m from BICY's Titov trg and 225 m from its bus station; S2–S5 far off. */
const STOPS = 'stop_id,stop_name,stop_lat,stop_lon\nS1,Titov trg,46.3595,15.1117\n' + [2, 3, 4, 5].map((i) => `S${i},Stop ${i},${LAT},${lonOf((i - 1) * 500).toFixed(7)}`).join('\n') + '\n';
const S1 = { lat: 46.3595, lon: 15.1117 };

test('TABLA_GBFS: site=url-or-file pairs; a bad entry is named and left out', () => {
  const r = parseSourcesEnv(' velenje=https://bicy.example/gbfs.json , celje=/srv/gbfs/gbfs.json,bad,Up=x,x=relative/gbfs.json');
  assert.equal([...r.sources], [
    ['velenje', 'https://bicy.example/gbfs.json'],
    ['celje', '/srv/gbfs/gbfs.json'],
  ]);
  assert.is(r.errors.length, 3);
  assert.match(r.errors[0]!, /TABLA_GBFS entry "bad"/);
  assert.equal(parseSourcesEnv(undefined).sources.size, 0);
  assert.equal(deviceStops({ role: 'info-panel', labels: { stops: 'S1, S5,' } }), ['S1', 'S5']);
  assert.equal(deviceStops({ role: 'stop-display', labels: {} }), []);
  assert.is(deviceStops({ role: 'bus', labels: { stop: 'S1' } }), null);
});

test('nearest stations within the radius, nearest first; the body only while fresh', async () => {
  const feed = await readBikeFeed(path.join(DIR, 'gbfs.json'), T0);
  const near = nearestStations(feed.stations, [S1], NEAR);
  assert.equal(near.map((s) => s.id), ['bicy-01', 'bicy-02']);
  assert.ok(near[0]!.distanceM > 10 && near[0]!.distanceM < 40, `${near[0]!.distanceM} m`);
  assert.ok(near[1]!.distanceM > 180 && near[1]!.distanceM < 260, `${near[1]!.distanceM} m`);
  assert.equal(nearestStations(feed.stations, [S1], { radiusM: 100, max: 3 }).map((s) => s.id), ['bicy-01']);
  const body = bikeStationsBody(feed, [S1], T0 + 5_000, NEAR, 'Europe/Ljubljana');
  assert.equal(body, {
    stations: [
      { id: 'bicy-01', name: 'Titov trg', bikes: 4, docks: 6, distanceM: near[0]!.distanceM },
      { id: 'bicy-02', name: 'Avtobusna postaja', bikes: 0, docks: 11, distanceM: near[1]!.distanceM },
    ],
    validUntil: '2026-11-30T08:02:00+01:00',
  });
  assert.equal(bikeStationsBody(feed, [S1], T0 + 120_000, NEAR)?.stations.length, 2, 'still fresh at the bound');
  assert.is(bikeStationsBody(feed, [S1], T0 + 120_001, NEAR), null, 'stale: nothing');
  assert.is(bikeStationsBody(null, [S1], T0, NEAR), null);
  assert.is(bikeStationsBody(feed, [], T0, NEAR), null, 'no place: nothing');
  // The same stations with the times of their counts (what an info panel's kiosk content carries).
  assert.equal(nearBikes(feed, [S1], T0 + 5_000, NEAR), { stations: body!.stations, lastUpdated: T0, validUntil: T0 + 120_000 });
  assert.is(nearBikes(feed, [S1], T0 + 120_001, NEAR), null, 'stale: nothing');
});

test('the engine: read on loopback, nearest stations to a display’s footer and a panel; a failed read keeps the data until stale; stale is never shown', async () => {
  const gbfs = await gbfsServer();
  const clock = new SteppableClock();
  clock.offsetMs = T0 + 10_000 - Date.now();
  const timetables = new Timetables();
  const load = lineFeed({ 'stops.txt': STOPS });
  timetables.set({ site: 'velenje', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const engine = bikesEngine({ timetables, sources: `velenje=${gbfs.url}`, minIntervalS: 1, maxIntervalS: 1, tickMs: 50 });
  const fleet = await startFleet({ clock, engines: [engine] });
  const { secret } = fleet.registry.provision({ id: 'disp-1', role: 'stop-display', site: 'velenje', labels: { stop: 'S1' } });
  fleet.registry.provision({ id: 'info-1', role: 'info-panel', site: 'velenje', labels: { stops: 'S5,S1' } });
  fleet.registry.provision({ id: 'far-1', role: 'stop-display', site: 'velenje', labels: { stop: 'S5' } });
  const config = AgentConfigSchema.parse({
    ...agentConfigFor({ deviceId: 'disp-1', role: 'stop-display', secret, mqttUrl: fleet.mqttUrl, dataDir: tmpDir('tabla-disp-1-') }),
  });
  const module = departures({ now: () => clock.now() });
  const agent = new Agent({ config, log: quiet, modules: [module] });
  const got: BikeStations[] = [];
  const line = () => module.plan()?.screen.kind !== 'out-of-service' && (module.plan()?.screen as { bikes?: string }).bikes;
  const site = async () => (await api(fleet, 'GET', '/api/bikes')).body.sites[0];
  let fc: MqttClient | null = null;
  try {
    fc = await fleetClient(fleet);
    fc.on('message', (t, payload) => {
      const c = decode(Content, payload);
      if (c.ok && c.value.kind === 'bike-stations' && t === topic.content('disp-1')) got.push(c.value.body as BikeStations);
    });
    await fc.subscribeAsync(topic.content('disp-1'), { qos: 1 });
    const first = await waitFor('the feed read', async () => ((await site())?.stations.length ? site() : null));
    assert.equal([first.site, first.origin, first.version, first.stale, first.error, first.ttl], ['velenje', 'env', '2', false, null, 60]);
    assert.is(first.lastUpdated, new Date(T0).toISOString());
    assert.equal(first.stations.map((s: { id: string; bikes: number | null }) => [s.id, s.bikes]), [['bicy-01', 4], ['bicy-02', 0], ['bicy-03', null], ['bicy-04', 2]]);

    await agent.start();
    // Its birth brings it the set (the kind is not retained); the departures module plans the footer line.
    await waitFor('the bike line on the display', () => line() === 'Kolesa: Titov trg 4 kolesa · 6 mest');
    assert.equal(got.at(-1)!.stations.map((s) => s.id), ['bicy-01', 'bicy-02']);
    const panel = (await api(fleet, 'GET', '/api/bikes/devices/info-1')).body.body as BikeStations;
    assert.equal(panel.stations.map((s) => s.id), ['bicy-01', 'bicy-02'], 'an info panel: near any of its stops');
    assert.equal(engine.near('info-1'), { stations: panel.stations, lastUpdated: T0, validUntil: T0 + 120_000 }, 'the read side the kiosk engine takes');
    assert.is(engine.near('nope'), null);
    assert.equal((await api(fleet, 'GET', '/api/bikes/devices/far-1')).body.body.stations, [], 'nothing within 300 m of S5');
    assert.is((await api(fleet, 'GET', '/api/bikes/devices/nope')).status, 404);

    // The source fails: the last good data stays while it is fresh (until 08:02:00).
    gbfs.state.fail = true;
    const failing = await waitFor('a failed read', async () => ((await site()).error ? site() : null));
    assert.match(failing.error, /HTTP 503/);
    assert.is(failing.stale, false);
    assert.is(failing.stations[0].bikes, 4);
    assert.ok(fleet.metrics.get('tabla_bikes_reads_total', { site: 'velenje', outcome: 'failed' })! >= 1);
    assert.is(line(), 'Kolesa: Titov trg 4 kolesa · 6 mest');

    // Past last_updated + ttl + margin: stale — no counts in the API, an empty set to the display, no line.
    clock.offsetMs += 111_000; // 08:02:01
    const stale = await waitFor('stale', async () => ((await site()).stale ? site() : null));
    assert.equal(stale.stations.map((s: { bikes: number | null; docks: number | null }) => [s.bikes, s.docks]), [[null, null], [null, null], [null, null], [null, null]]);
    await waitFor('the display cleared', () => got.at(-1)!.stations.length === 0);
    await waitFor('no bike line', async () => {
      await module.update();
      return line() === undefined;
    });

    // The source is back but its data is just as old: read without fault, still not shown.
    gbfs.state.fail = false;
    const n = gbfs.state.requests;
    await waitFor('a good read again', async () => gbfs.state.requests > n && (await site()).error === null);
    assert.is((await site()).stale, true);
    assert.equal((await api(fleet, 'GET', '/api/bikes/devices/disp-1')).body.body, null);
    assert.is(engine.near('info-1'), null, 'stale: nothing for a panel either');
    await module.update();
    assert.is(line(), undefined);

    // PUT a file source (stored; it wins over the environment's); the clock back within the data's life: shown again.
    const bad = await api(fleet, 'PUT', '/api/bikes/sources', { sources: { velenje: 'relative/gbfs.json' } });
    assert.is(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /absolute file path/);
    clock.offsetMs = T0 + 30_000 - Date.now();
    const put = await api(fleet, 'PUT', '/api/bikes/sources', { sources: { velenje: path.join(DIR, 'gbfs.json') } });
    assert.is(put.status, 200, JSON.stringify(put.body));
    await waitFor('read from the file', async () => {
      const s = await site();
      return s.origin === 'stored' && !s.stale && s.stations.length === 4;
    });
    await waitFor('the bike line back', () => line() === 'Kolesa: Titov trg 4 kolesa · 6 mest');
    assert.is((await api(fleet, 'GET', '/api/bikes', undefined, 'wrong')).status, 401);
  } finally {
    await agent.stop();
    await fc?.endAsync(true);
    await fleet.stop();
    await gbfs.close();
  }
});

test.run();
