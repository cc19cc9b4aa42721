/**
 * The ETA engine in a real fleet (broker, ingest, bus, engines, HTTP): a bus publishes its fixes
 * with its own credentials, a stop display subscribes to its content; the board it gets, the
 * arrivals API, GTFS-RT trip updates and vehicle positions, the CLI (`tabla eta`, `tabla vehicles`,
 * `tabla assign`) all tell the same story, and a board is sent only when a passenger would see a
 * change — including the change to "scheduled" when the bus's fix grows old.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { etaEngine } from '../../fleet/engines/eta/index.js';
import { gtfsRtEngine } from '../../fleet/engines/gtfs-rt/index.js';
import { Timetables } from '../../fleet/engines/gtfs/timetables.js';
import { ArrivalBoard, Content, decode, topic } from '../../protocols/index.js';
import { LAT, T0, lineFeed, lonOf } from '../fixtures/eta-line.js';
import type { MqttClient } from 'mqtt';
import { SteppableClock, api, deviceClient, startFleet, storedSeqs, tabla, waitFor } from '../helpers.js';

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

const batch = (records: { seq: number; ts: number; data: unknown }[]) => JSON.stringify({ v: 1, epoch: 1, outbox: 'c1', low: records[0]!.seq, records });

async function feed(url: string, path: string) {
  const res = await fetch(url + path);
  assert.is(res.status, 200, path);
  return FeedMessage.decode(new Uint8Array(await res.arrayBuffer()));
}

/** A fleet at 08:02:30 on the feed's Monday, with the line feed as site `town`, the ETA engine (and GTFS-RT). */
async function townFleet(withGtfsRt: boolean) {
  const clock = new SteppableClock();
  clock.offsetMs = T0 + 150_000 - Date.now();
  const timetables = new Timetables();
  const load = lineFeed();
  timetables.set({ site: 'town', feed: load.feed, load, source: 'test', loadedAt: clock.now() });
  const eta = etaEngine({ timetables, boardIntervalMs: 100 });
  const fleet = await startFleet({ clock, engines: withGtfsRt ? [eta, gtfsRtEngine({ eta: eta.live })] : [eta] });
  return { clock, fleet };
}

test('a bus on its run: the stop display gets a real-time board, the API, GTFS-RT and the CLI agree, and an old fix turns it back to scheduled', async () => {
  const { clock, fleet } = await townFleet(true);
  const clients: Awaited<ReturnType<typeof deviceClient>>[] = [];
  try {
    const bus = await deviceClient(fleet, 'bus-1', fleet.registry.provision({ id: 'bus-1', role: 'bus', site: 'town', labels: { label: '101', capacity: '40' } }).secret);
    clients.push(bus);
    const display = await deviceClient(fleet, 'disp-3', fleet.registry.provision({ id: 'disp-3', role: 'stop-display', site: 'town', labels: { stop: 'S3' } }).secret);
    clients.push(display);
    const boards: ArrivalBoard[] = [];
    display.on('message', (_t, payload) => {
      const m = decode(Content, payload.toString());
      if (m.ok && m.value.kind === 'arrival-board') boards.push(m.value.body as ArrivalBoard);
    });
    await display.subscribeAsync(topic.content('disp-3'), { qos: 1 });

    // No bus yet: the timetable, marked scheduled.
    const first = await waitFor('a scheduled board', () => boards[0]);
    assert.is(first.stop, 'Stop 3');
    assert.equal(
      first.departures.map((d) => [d.line, d.destination, d.departsAt, d.realtime]),
      [
        ['rumena', 'Stop 5', '2026-11-30T08:04:00+01:00', false],
        ['rumena', 'Stop 1', '2026-11-30T08:19:00+01:00', false],
        ['rumena', 'Stop 5', '2026-11-30T08:34:00+01:00', false],
      ],
    );
    assert.is(first.departures[0]!.colour, '#FFD700');
    await new Promise((r) => setTimeout(r, 400));
    assert.is(boards.length, 1, 'the same board is not sent again');

    // The bus: 08:00:30 to 08:02:30, 0 → 600 m at 5 m/s (30 s late at the start), and a load of 30 of 40.
    const records = [];
    for (let s = 0; s <= 120; s += 5) {
      const time = T0 + 30_000 + s * 1000;
      records.push({ seq: records.length + 1, ts: time, data: { time, lat: LAT, lon: lonOf(5 * s), speed: 5, course: 90, fix: '3d' } });
    }
    await bus.publishAsync(topic.telemetry('bus-1', 'gps'), batch(records), { qos: 1 });
    await bus.publishAsync(topic.telemetry('bus-1', 'apc'), batch([{ seq: 1, ts: T0 + 60_000, data: { doors: [{ door: 1, boardings: 30, alightings: 0 }], onboard: 30 } }]), { qos: 1 });
    await waitFor('stored', () => storedSeqs(fleet, 'bus-1', 'gps').length === records.length);

    const live = await waitFor('a real-time board with the load', () => boards.find((b) => b.departures[0]?.realtime && b.departures[0].load));
    const next = live.departures[0]!;
    // S3 is at 1000 m, 400 m ahead at the timetable's 120 s per 500 m: about 96 s after 08:02:30
    // (shown up to a minute earlier: the model errs on the side of the passenger).
    const at = Date.parse(next.departsAt);
    assert.ok(at >= T0 + 150_000 + 96_000 - 60_000 && at <= T0 + 150_000 + 96_000 + 15_000, `S3 expected at ${next.departsAt}`);
    assert.is(next.destination, 'Stop 5');
    assert.is(next.load, 'standing', '30 of 40');
    assert.ok(live.departures.some((d) => d.destination === 'Stop 1' && d.realtime), "the bus's next trip in its block is real-time too");
    assert.ok(live.departures.some((d) => d.destination === 'Stop 5' && !d.realtime && d.departsAt.startsWith('2026-11-30T08:34')), 'the other block stays scheduled');

    // The API shows the same board, with its sources.
    const arrivals = (await api(fleet, 'GET', '/api/stops/S3/arrivals')).body as {
      stop: { site: string };
      arrivals: { tripId: string; source: string; vehicleId: string | null; delay: number | null }[];
      board: ArrivalBoard;
    };
    assert.is(arrivals.stop.site, 'town');
    assert.equal(arrivals.arrivals.map((a) => [a.tripId, a.source, a.vehicleId]), [
      ['T1', 'realtime', 'bus-1'],
      ['T2', 'realtime', 'bus-1'],
      ['T3', 'scheduled', null],
    ]);
    assert.equal(arrivals.board.departures, live.departures);
    assert.is((await api(fleet, 'GET', '/api/stops/NOPE/arrivals')).status, 404);

    // GTFS-RT: a trip update per run of the bus, ids from the static feed, stop sequences, times never decreasing.
    const tu = await feed(fleet.httpUrl, '/gtfs-rt/trip-updates');
    assert.equal(tu.entity.map((e) => e.id), ['T1@2026-11-30', 'T2@2026-11-30']);
    const t1 = tu.entity[0]!.tripUpdate!;
    assert.is(t1.trip.tripId, 'T1');
    assert.is(t1.trip.startDate, '20261130');
    assert.is(t1.trip.routeId, 'R');
    assert.is(t1.vehicle!.id, 'bus-1');
    const updates = t1.stopTimeUpdate!;
    assert.equal(updates.map((u) => u.stopSequence), [3, 4, 5]);
    const times = updates.flatMap((u) => [u.arrival?.time, u.departure?.time].filter((x) => x != null).map(Number));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), `${times}`);
    assert.is(updates[2]!.departure, null, 'the last stop has an arrival only');
    const vp = await feed(fleet.httpUrl, '/gtfs-rt/vehicle-positions');
    assert.is(vp.entity[0]!.vehicle!.trip!.tripId, 'T1');
    assert.is(vp.entity[0]!.vehicle!.stopId, 'S3');

    // The CLI.
    const cli = await tabla(['eta', 'S3'], { fleet });
    assert.is(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Stop 3 \(S3, site town\)/);
    assert.match(cli.stdout, /rumena {2,}Stop 5 {2,}\d+ min {2,}08:0\d {2,}rt {2,}[+−]\d:\d\d {2,}bus-1 {2,}standing/);
    assert.match(cli.stdout, /rumena {2,}Stop 5 {2,}31 min {2,}08:34 {2,}sched/);
    const vehicles = await tabla(['vehicles', '--json'], { fleet });
    const v = JSON.parse(vehicles.stdout).vehicles[0];
    assert.equal([v.id, v.status, v.trip, v.block, v.nextStop.id, v.load.onboard], ['bus-1', 'in-progress', 'T1', 'B1', 'S3', 30]);

    // Ridership: the visit at Stop 1 (30 on, as the bus left its terminus), on route R direction 0.
    const ride = (await api(fleet, 'GET', '/api/ridership?from=2026-11-30&to=2026-12-01')).body as {
      totals: { visits: number; boardings: number };
      stops: { stopId: string; hour: number; boardings: number }[];
      loadProfiles: { routeId: string; directionId: number; stops: { stopId: string; meanOnboard: number }[] }[];
    };
    assert.equal(ride.totals, { visits: 1, boardings: 30, alightings: 0 });
    assert.equal(ride.stops.map((x) => [x.stopId, x.hour, x.boardings]), [['S1', 8, 30]]);
    assert.equal(ride.loadProfiles, [{ routeId: 'R', directionId: 0, stops: [{ stopSequence: 1, stopId: 'S1', stopName: 'Stop 1', visits: 1, boardings: 30, alightings: 0, meanOnboard: 30, maxOnboard: 30 }] }]);
    const csv = await tabla(['ridership', '--from', '2026-11-30', '--to', '2026-12-01', '--csv'], { fleet });
    assert.is(csv.code, 0, csv.stderr);
    assert.is(csv.stdout, 'stop_id,stop_name,hour,boardings,alightings,visits\nS1,Stop 1,8,30,0,1\n');
    assert.is((await api(fleet, 'GET', '/api/ridership?from=yesterday')).status, 400);

    // 100 s later with no new fix: past 90 s, the board says scheduled again (a changed board, sent).
    const sent = boards.length;
    clock.step(100_000);
    const stale = await waitFor('a board back to scheduled', () => boards.slice(sent).find((b) => b.departures.every((d) => !d.realtime)));
    assert.ok(stale.departures.length > 0);
    assert.is(((await feed(fleet.httpUrl, '/gtfs-rt/trip-updates')).entity.length), 0, 'no trip update rests on a fix over 90 s old');

    // A technician takes the bus out of service, and back.
    const none = await tabla(['assign', 'bus-1', 'none'], { fleet });
    assert.is(none.code, 0, none.stderr);
    assert.match(none.stdout, /out of service/);
    assert.is(JSON.parse((await tabla(['vehicles', '--json'], { fleet })).stdout).vehicles[0].status, 'out-of-service');
    const bad = await tabla(['assign', 'bus-1', 'T9'], { fleet });
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /no trip or block T9/);
    const block = await tabla(['assign', 'bus-1', 'B2'], { fleet });
    assert.is(block.code, 0, block.stderr);
    assert.is(JSON.parse((await tabla(['vehicles', '--json'], { fleet })).stdout).vehicles[0].assignment, 'block B2');
    assert.is((await api(fleet, 'PUT', '/api/vehicles/disp-3/assignment', { target: 'B1' })).status, 400, 'a display is no bus');
  } finally {
    for (const c of clients) await c.endAsync();
    await fleet.stop();
  }
});

test('a bus whose receiver jumps a year ahead is not lost: the future fix is refused and counted, the true ones still count', async () => {
  const { fleet } = await townFleet(false);
  let opened: MqttClient | null = null;
  try {
    const bus = (opened = await deviceClient(fleet, 'bus-9', fleet.registry.provision({ id: 'bus-9', role: 'bus', site: 'town' }).secret));
    const fix = (time: number, x: number) => ({ time, lat: LAT, lon: lonOf(x), speed: 5, course: 90, fix: '3d' });
    const year = 365 * 86_400_000;
    const records = [
      { seq: 1, ts: T0 + 100_000, data: fix(T0 + 100_000 + year, 300) },
      { seq: 2, ts: T0 + 110_000, data: fix(T0 + 110_000, 350) },
      { seq: 3, ts: T0 + 120_000, data: fix(T0 + 120_000, 400) },
    ];
    await bus.publishAsync(topic.telemetry('bus-9', 'gps'), batch(records), { qos: 1 });
    await waitFor('stored', () => storedSeqs(fleet, 'bus-9', 'gps').length === 3);
    const v = await waitFor('matched', async () => {
      const r = await api(fleet, 'GET', '/api/vehicles/bus-9');
      return r.status === 200 && (r.body as { trip: string | null }).trip ? (r.body as { trip: string; lastFix: { time: string } }) : null;
    });
    assert.is(v.trip, 'T1');
    assert.is(v.lastFix.time, new Date(T0 + 120_000).toISOString());
    assert.is(fleet.metrics.get('tabla_eta_fixes_total', { outcome: 'future' }), 1);
  } finally {
    await opened?.endAsync();
    await fleet.stop();
  }
});

test.run();
