/**
 * The kiosk engine: what each info panel is sent. Pure parts (labels, car parks, notices, bike
 * stations, what counts as a change) and the engine on a real fleet (embedded broker, the ETA and
 * displays engines on the eta-line feed as site `celje`): car parks from `occupancy-changed` on the
 * bus, departures from the timetable, the site's notices; sent retained, again only on a change.
 * With the bikes engine reading the BICY fixture from HTTP on loopback: the stations near the
 * panel's stops, sent again when their numbers change, dropped once their data is stale.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import type { FleetService } from '../../fleet/service.js';
import { composeKiosk, kioskBikes, kioskKey, panelOf, stopsLabel } from '../../fleet/engines/kiosk/index.js';
import { bikesEngine, type NearBikes } from '../../fleet/engines/bikes/index.js';
import { kioskCarPark } from '../../fleet/engines/kiosk/compose.js';
import { displaysEngine } from '../../fleet/engines/displays/index.js';
import { etaEngine } from '../../fleet/engines/eta/index.js';
import { kioskEngine } from '../../fleet/engines/kiosk/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import type { ServiceNotice } from '../../fleet/engines/displays/messages.js';
import type { KioskContent } from '../../protocols/index.js';
import { CONTENT_READS, Content, decode, decodeContent, topic } from '../../protocols/index.js';
import { T0, lineFeed } from '../fixtures/eta-line.js';
import { gbfsServer } from '../fixtures/gbfs-server.js';
import { SteppableClock, api, deviceClient, fleetClient, startFleet, waitFor } from '../helpers.js';
import { carParkStatus } from '../fixtures/car-park.js';

const carPark = carParkStatus;

const notice = (id: string, target: ServiceNotice['target'], createdAt: number, until: number | null = null): ServiceNotice => ({
  id,
  target,
  text: `notice ${id}`,
  until,
  createdAt,
  createdBy: null,
});

test('the stops label: comma-separated, trimmed, no repeats, at most six; only info panels are panels', () => {
  assert.equal(stopsLabel(' S1, S3,,S1 ,S4'), ['S1', 'S3', 'S4']);
  assert.equal(stopsLabel(undefined), []);
  assert.equal(stopsLabel('a,b,c,d,e,f,g'), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.equal(panelOf({ id: 'i', role: 'info-panel', site: 'celje', labels: { stops: 'S1' } }), { id: 'i', site: 'celje', stopIds: ['S1'], reads: [] });
  // What its agent shows of the later fields: from its birth (an older agent's names none).
  const birth = { reads: { kiosk: ['bikes'], 'arrival-board': ['x'] } };
  assert.equal(panelOf({ id: 'i', role: 'info-panel', site: 'celje', labels: {}, birth })?.reads, ['bikes']);
  assert.equal(panelOf({ id: 'i', role: 'info-panel', site: 'celje', labels: {}, birth: { reads: {} } })?.reads, []);
  assert.is(panelOf({ id: 'd', role: 'stop-display', site: 'celje', labels: { stop: 'S1' } }), null);
});

test('compose: the site’s car parks (garages first, closed out of hours), the notices that reach the panel, newest first', () => {
  const now = T0;
  const body = composeKiosk({
    panel: { id: 'info-1', site: 'celje', stopIds: ['S1', 'S3'], reads: [] },
    now,
    timeZone: 'Europe/Ljubljana',
    carParks: [
      carPark('mestni-park', { kind: 'open', name: 'Mestni park' }),
      carPark('glazija', { open: false }),
      carPark('celeiapark', { free: 0, state: 'full' }),
      carPark('velenje-center', { site: 'velenje' }),
    ],
    stops: [],
    notices: [
      notice('site', { site: 'celje' }, now - 3000),
      notice('other-site', { site: 'velenje' }, now - 2000),
      notice('my-stop', { stop: 'S3' }, now - 1000),
      notice('other-stop', { stop: 'S5' }, now - 500),
      notice('all', { all: true }, now - 4000, now + 3600_000),
      notice('expired', { all: true }, now - 5000, now - 1),
    ],
  });
  assert.equal(body.carParks.map((c) => [c.id, c.state, c.free]), [
    ['celeiapark', 'full', 0],
    ['glazija', 'closed', null],
    ['mestni-park', 'spacesAvailable', 100],
  ]);
  assert.equal(body.notices.map((n) => n.id), ['my-stop', 'site', 'all']);
  assert.is(body.notices[2]!.until, '2026-11-30T09:00:00+01:00');
  assert.is(body.generatedAt, '2026-11-30T08:00:00+01:00');
  assert.equal(kioskCarPark(carPark('x', { lat: 46.23, lon: 15.26, address: 'Aškerčeva 14' })).address, 'Aškerčeva 14');
});

test('what counts as a change: not the time it was composed, nor a departure moving by seconds', () => {
  const base: KioskContent = {
    site: 'celje',
    generatedAt: '2026-11-30T08:00:00+01:00',
    carParks: [],
    stops: [{ stopId: 'S1', name: 'Stop 1', departures: [{ line: 'rumena', destination: 'Stop 5', departsAt: '2026-11-30T08:05:00+01:00', realtime: true }] }],
    notices: [],
  };
  const later = { ...base, generatedAt: '2026-11-30T08:00:05+01:00' };
  const jitter = { ...base, stops: [{ ...base.stops[0]!, departures: [{ ...base.stops[0]!.departures[0]!, departsAt: '2026-11-30T08:05:10+01:00' }] }] };
  const moved = { ...base, stops: [{ ...base.stops[0]!, departures: [{ ...base.stops[0]!.departures[0]!, departsAt: '2026-11-30T08:06:00+01:00' }] }] };
  assert.is(kioskKey(later), kioskKey(base));
  assert.is(kioskKey(jitter), kioskKey(base));
  assert.is.not(kioskKey(moved), kioskKey(base));
  assert.is.not(kioskKey({ ...base, notices: [{ id: 'm', text: 'x' }] }), kioskKey(base));
});

/** BICY's Titov trg and bus station as the bikes engine finds them near stops S1,S3 (last_updated 08:00, ttl 60 s, margin 60 s). */
const NEAR_BIKES: NearBikes = {
  stations: [
    { id: 'bicy-01', name: 'Titov trg', bikes: 4, docks: 6, distanceM: 92 },
    { id: 'bicy-02', name: 'Avtobusna postaja', bikes: 0, docks: 11, distanceM: 338 },
  ],
  lastUpdated: T0,
  validUntil: T0 + 120_000,
};

test('compose: the bike stations near the panel with the times of their counts; none once stale, the field left out', () => {
  const input = { panel: { id: 'info-1', site: 'celje', stopIds: ['S1', 'S3'], reads: ['bikes'] }, timeZone: 'Europe/Ljubljana', carParks: [], stops: [], notices: [] };
  const body = composeKiosk({ ...input, now: T0 + 60_000, bikes: NEAR_BIKES });
  assert.equal(body.bikes, [
    { id: 'bicy-01', name: 'Titov trg', bikes: 4, docks: 6, distanceM: 92, updatedAt: '2026-11-30T08:00:00+01:00', validUntil: '2026-11-30T08:02:00+01:00' },
    { id: 'bicy-02', name: 'Avtobusna postaja', bikes: 0, docks: 11, distanceM: 338, updatedAt: '2026-11-30T08:00:00+01:00', validUntil: '2026-11-30T08:02:00+01:00' },
  ]);
  assert.ok(decodeContent('kiosk', body).ok);
  assert.is(kioskBikes(NEAR_BIKES, T0 + 120_000, 'UTC').length, 2, 'still fresh at the bound');
  // An agent from before the field, which would refuse the whole set with it: never sent it.
  const older = composeKiosk({ ...input, panel: { ...input.panel, reads: [] }, now: T0 + 60_000, bikes: NEAR_BIKES });
  assert.not.ok('bikes' in older);
  assert.ok(decodeContent('kiosk', older).ok);
  // Stale (whatever the source says) or none: the field is absent.
  const stale = composeKiosk({ ...input, now: T0 + 120_001, bikes: NEAR_BIKES });
  assert.not.ok('bikes' in stale);
  assert.not.ok('bikes' in composeKiosk({ ...input, now: T0, bikes: null }));
  assert.not.ok('bikes' in composeKiosk({ ...input, now: T0, bikes: { ...NEAR_BIKES, stations: [] } }));
  // A change: a number, or the data going stale; the time it was composed is none.
  const lent = composeKiosk({ ...input, now: T0 + 60_000, bikes: { ...NEAR_BIKES, stations: [{ ...NEAR_BIKES.stations[0]!, bikes: 3 }, NEAR_BIKES.stations[1]!] } });
  assert.is(kioskKey(composeKiosk({ ...input, now: T0 + 65_000, bikes: NEAR_BIKES })), kioskKey(body));
  assert.is.not(kioskKey(lent), kioskKey(body));
  assert.is.not(kioskKey(stale), kioskKey(body));
});

test('the engine: each info panel gets its site’s car parks, its stops’ departures and notices, retained; resent on a change only', async () => {
  const clock = new SteppableClock();
  clock.offsetMs = T0 - 5 * 60_000 - Date.now(); // 07:55
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'celje', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const eta = etaEngine({ timetables, boardIntervalMs: 100 });
  const fleet = await startFleet({
    clock,
    engines: [eta, displaysEngine({ timetables, tickMs: 50 }), kioskEngine({ timetables, eta: eta.live, tickMs: 50, refreshMs: 60_000 })],
  });
  fleet.registry.provision({ id: 'info-1', role: 'info-panel', site: 'celje', labels: { stops: 'S1,S3,NOPE' } });
  fleet.registry.provision({ id: 'disp-1', role: 'stop-display', site: 'celje', labels: { stop: 'S1' } });
  const got: KioskContent[] = [];
  const kinds: string[] = [];
  let fc: MqttClient | null = null;
  try {
    fc = await fleetClient(fleet);
    fc.on('message', (t, payload) => {
      if (t !== topic.content('info-1')) return;
      const c = decode(Content, payload);
      if (!c.ok) throw new Error(c.reason);
      kinds.push(c.value.kind);
      got.push(c.value.body as KioskContent);
    });
    await fc.subscribeAsync(topic.content('info-1'), { qos: 1 });
    fleet.bus.emit('occupancy-changed', { status: carPark('glazija', { free: 37, state: 'almostFull' }), previous: null });
    fleet.bus.emit('occupancy-changed', { status: carPark('velenje-center', { site: 'velenje' }), previous: null });
    const posted = await api(fleet, 'POST', '/api/messages', { target: { site: 'celje' }, text: 'Zapora Stanetove ulice' });
    assert.is(posted.status, 201, JSON.stringify(posted.body));

    const first = await waitFor('the panel’s content with the car park and the notice', () =>
      got.find((b) => b.carParks.length === 1 && b.notices.length === 1),
    );
    assert.equal(new Set(kinds), new Set(['kiosk']));
    assert.is(first.site, 'celje');
    assert.equal(first.carParks.map((c) => [c.id, c.free, c.state]), [['glazija', 37, 'almostFull']]);
    assert.equal(first.notices.map((n) => n.text), ['Zapora Stanetove ulice']);
    assert.equal(first.stops.map((s) => s.name), ['Stop 1', 'Stop 3'], 'the unknown stop is left out');
    // 07:55: T1 leaves S1 at 08:00 and S3 at 08:04; T3 at 08:30 and 08:34; T2 back reaches S3 at 08:19. No bus: all scheduled.
    assert.equal(first.stops[0]!.departures.map((d) => [d.line, d.destination, d.departsAt.slice(11, 16), d.realtime]), [
      ['rumena', 'Stop 5', '08:00', false],
      ['rumena', 'Stop 5', '08:30', false],
    ]);
    assert.equal(first.stops[1]!.departures.map((d) => d.departsAt.slice(11, 16)), ['08:04', '08:19', '08:34']);

    // Nothing changes: nothing more is sent (a tick is 50 ms).
    const n = got.length;
    await new Promise((r) => setTimeout(r, 400));
    assert.is(got.length, n, 'unchanged content is not sent again');

    // Celeiapark fills: sent within a tick or two.
    fleet.bus.emit('occupancy-changed', { status: carPark('celeiapark', { free: 0, state: 'full' }), previous: null });
    const full = await waitFor('Celeiapark in the content', () => got.at(-1)!.carParks.find((c) => c.id === 'celeiapark'));
    assert.equal([full.free, full.state], [0, 'full']);

    // Retained: a panel that connects later gets the latest at once.
    const late = await fleetClient(fleet, 'late');
    const retained = new Promise<KioskContent>((resolve) => late.on('message', (_t, p) => resolve(decode(Content, p).ok ? (decode(Content, p) as { value: { body: KioskContent } }).value.body : (null as never))));
    await late.subscribeAsync(topic.content('info-1'), { qos: 1 });
    assert.equal((await retained).carParks.map((c) => c.id), ['celeiapark', 'glazija']);
    await late.endAsync(true);

    // The route: what the panel would be sent now; 404 for a device that is no panel.
    const route = await api(fleet, 'GET', '/api/kiosk/info-1');
    assert.equal(route.body.content.carParks.map((c: { id: string }) => c.id), ['celeiapark', 'glazija']);
    assert.is((await api(fleet, 'GET', '/api/kiosk/disp-1')).status, 404);
    assert.is((await api(fleet, 'GET', '/api/kiosk/info-1', undefined, 'wrong')).status, 401);
  } finally {
    await fc?.endAsync(true);
    await fleet.stop();
  }
});

test('the engine: the car parks it heard of are kept across a fleet restart', async () => {
  const timetables = new Timetables();
  const fleet = await startFleet({ engines: [kioskEngine({ timetables, tickMs: 50 })] });
  let again: FleetService | null = null;
  try {
    fleet.registry.provision({ id: 'info-2', role: 'info-panel', site: 'celje' });
    fleet.bus.emit('occupancy-changed', { status: carPark('glazija'), previous: null });
    // A status that fails its schema is refused, not kept.
    fleet.bus.emit('occupancy-changed', { status: { ...carPark('broken'), capacity: -1 }, previous: null });
    await waitFor('composed', async () => (await api(fleet, 'GET', '/api/kiosk/info-2')).body.content.carParks.length === 1);
    await fleet.stop();
    again = await startFleet({ dataDir: fleet.options.dataDir, engines: [kioskEngine({ timetables, tickMs: 50 })] });
    const body = (await api(again, 'GET', '/api/kiosk/info-2')).body.content as KioskContent;
    assert.equal(body.carParks.map((c) => c.id), ['glazija']);
    assert.equal([body.stops, body.notices], [[], []], 'no timetable, no displays engine: no stops, no notices');
  } finally {
    await again?.stop();
    await fleet.stop(); // stopped above unless the test failed first: a second stop does nothing
  }
});

test('the engine with bike share: stations near the panel’s stops from a GBFS feed on loopback; resent when their numbers change; dropped once stale', async () => {
  const gbfs = await gbfsServer('v2.3');
  const clock = new SteppableClock();
  clock.offsetMs = T0 - 60_000 - Date.now(); // 07:59
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'celje', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  // 400 m: BICY's Titov trg is some 90 m from S3, its bus station some 340 m; the others are far.
  const bikes = bikesEngine({ timetables, sources: `celje=${gbfs.url}`, minIntervalS: 1, maxIntervalS: 1, tickMs: 50, near: { radiusM: 400 } });
  const fleet = await startFleet({ clock, engines: [bikes, kioskEngine({ timetables, tickMs: 50, bikes: (id) => bikes.near(id) })] });
  const { secret } = fleet.registry.provision({ id: 'info-1', role: 'info-panel', site: 'celje', labels: { stops: 'S1,S3' } });
  const got: KioskContent[] = [];
  let fc: MqttClient | null = null;
  let device: MqttClient | null = null;
  try {
    fc = await fleetClient(fleet);
    const panel = (device = await deviceClient(fleet, 'info-1', secret));
    fc.on('message', (t, payload) => {
      const c = decode(Content, payload);
      if (!c.ok) throw new Error(c.reason);
      if (t === topic.content('info-1')) got.push(c.value.body as KioskContent);
    });
    const birth = (epoch: number, reads?: Record<string, string[]>) =>
      panel.publishAsync(topic.birth('info-1'), JSON.stringify({ v: 1, epoch, ts: Date.now(), role: 'info-panel', versions: {}, heartbeatS: 30, configVersion: 0, ...(reads ? { reads } : {}) }), { qos: 1 });
    await fc.subscribeAsync(topic.content('info-1'), { qos: 1 });
    // An agent from before the stations (its birth names no `reads`): it would refuse a set with
    // them, so it gets its content without.
    await birth(1);
    await waitFor('the birth answered', () => fleet.metrics.get('tabla_kiosk_sent_total', { why: 'birth' }));
    await waitFor('the stations read', () => bikes.near('info-1')?.stations.length);
    await new Promise((r) => setTimeout(r, 300)); // several kiosk ticks with the stations at hand
    assert.ok(got.length > 0);
    assert.not.ok(got.some((b) => 'bikes' in b), 'no stations for an agent that does not show them');
    // The same panel with today's agent: the stations come with its birth.
    await birth(2, CONTENT_READS as Record<string, string[]>);
    const first = await waitFor('the stations in the panel’s content', () => got.find((b) => b.bikes?.length));
    assert.equal(first.bikes!.map((b) => [b.id, b.name, b.bikes, b.docks, b.updatedAt, b.validUntil]), [
      ['bicy-01', 'Titov trg', 4, 6, '2026-11-30T08:00:00+01:00', '2026-11-30T08:02:00+01:00'],
      ['bicy-02', 'Avtobusna postaja', 0, 11, '2026-11-30T08:00:00+01:00', '2026-11-30T08:02:00+01:00'],
    ]);
    const [titov, postaja] = first.bikes!;
    assert.ok(titov!.distanceM > 70 && titov!.distanceM < 110, `${titov!.distanceM} m`);
    assert.ok(postaja!.distanceM > 300 && postaja!.distanceM < 400, `${postaja!.distanceM} m`);

    // Read again every second, the same data: nothing more is sent.
    const n = got.length;
    const reads = gbfs.state.requests;
    await waitFor('two more reads', () => gbfs.state.requests >= reads + 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.is(got.length, n, 'the same numbers are not sent again');

    // Titov trg lends a bike (status at 08:00:30): the panel gets the new numbers.
    gbfs.state.edit = (name, json) =>
      name !== 'station_status.json'
        ? json
        : { ...json, last_updated: json.last_updated + 30, data: { stations: json.data.stations.map((s: { station_id: string }) => (s.station_id === 'bicy-01' ? { ...s, num_bikes_available: 3, num_docks_available: 7 } : s)) } };
    const lent = await waitFor('the new numbers at the panel', () => (got.at(-1)!.bikes?.[0]?.bikes === 3 ? got.at(-1) : null));
    assert.equal([lent.bikes![0]!.docks, lent.bikes![0]!.validUntil, lent.bikes![1]!.bikes], [7, '2026-11-30T08:02:30+01:00', 0]);
    assert.equal((await api(fleet, 'GET', '/api/kiosk/info-1')).body.content.bikes.map((b: { bikes: number }) => b.bikes), [3, 0]);

    // Past 08:02:30 the data is stale (the source still answers with it): the panel's content drops the stations.
    const m = got.length;
    clock.offsetMs = T0 + 151_000 - Date.now();
    const dropped = await waitFor('the stations dropped', () => (got.length > m && !('bikes' in got.at(-1)!) ? got.at(-1) : null));
    assert.equal(dropped.stops.map((s) => s.stopId), ['S1', 'S3'], 'the rest of the content stays');
    assert.not.ok('bikes' in (await api(fleet, 'GET', '/api/kiosk/info-1')).body.content);
    assert.ok(decodeContent('kiosk', dropped).ok);
  } finally {
    await device?.endAsync(true);
    await fc?.endAsync(true);
    await fleet.stop();
    await gbfs.close();
  }
});

test('the engine: a fault reading the bike stations costs the panel its bikes, not its content', async () => {
  const fleet = await startFleet({
    engines: [kioskEngine({ timetables: new Timetables(), tickMs: 50, bikes: () => { throw new Error('no feed'); } })],
  });
  fleet.registry.provision({ id: 'info-3', role: 'info-panel', site: 'celje' });
  try {
    fleet.bus.emit('occupancy-changed', { status: carPark('glazija'), previous: null });
    const body = await waitFor('composed', async () => {
      const c = (await api(fleet, 'GET', '/api/kiosk/info-3')).body.content as KioskContent;
      return c.carParks.length ? c : null;
    });
    assert.not.ok('bikes' in body);
    assert.ok(fleet.metrics.get('tabla_kiosk_errors_total')! >= 1);
  } finally {
    await fleet.stop();
  }
});

test.run();
