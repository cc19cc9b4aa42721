/**
 * The GTFS-RT engine: `GET /gtfs-rt/vehicle-positions` from the buses' committed telemetry, through
 * a real fleet (broker, ingest, bus, engine, HTTP), read back with the MobilityData bindings.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { gtfsRtEngine, occupancyOf } from '../../fleet/engines/gtfs-rt/index.js';
import { topic } from '../../protocols/index.js';
import { SteppableClock, deviceClient, startFleet, storedSeqs, waitFor } from '../helpers.js';

const { transit_realtime } = GtfsRealtimeBindings;
const { FeedMessage } = transit_realtime;
const Occ = transit_realtime.VehiclePosition.OccupancyStatus;

const batch = (records: { seq: number; ts: number; data: unknown }[]) =>
  JSON.stringify({ v: 1, epoch: 1, outbox: 'c1', low: records[0]!.seq, records });

const gps = (time: number, lat: number, lon: number, speed: number, course: number) => ({ time, lat, lon, speed, course, fix: '3d', hdop: 0.9, sats: 9 });
const apc = (onboard: number) => ({ doors: [{ door: 1, boardings: onboard, alightings: 0 }], onboard });

async function feed(url: string) {
  const res = await fetch(url + '/gtfs-rt/vehicle-positions');
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/x-protobuf');
  return FeedMessage.decode(new Uint8Array(await res.arrayBuffer()));
}

test('occupancy from the onboard load, against a capacity', () => {
  const at = (n: number) => occupancyOf(n, 60);
  assert.equal(at(0), { status: Occ.EMPTY, percentage: 0 });
  assert.equal(at(29), { status: Occ.MANY_SEATS_AVAILABLE, percentage: 48 });
  assert.equal(at(30), { status: Occ.FEW_SEATS_AVAILABLE, percentage: 50 });
  assert.equal(at(48), { status: Occ.STANDING_ROOM_ONLY, percentage: 80 });
  assert.equal(at(60), { status: Occ.FULL, percentage: 100 });
  assert.equal(at(75), { status: Occ.FULL, percentage: 125 });
});

test('GET /gtfs-rt/vehicle-positions: the buses only, positions and loads as sent, stale fixes left out, open, protobuf and JSON alike', async () => {
  const clock = new SteppableClock();
  const fleet = await startFleet({ clock, engines: [gtfsRtEngine()] });
  const ids = ['bus-1', 'bus-2', 'bus-3'];
  const clients = [];
  try {
    for (const id of ids) clients.push(await deviceClient(fleet, id, fleet.registry.provision({ id, role: 'bus', labels: id === 'bus-1' ? { label: '101' } : {} }).secret));
    clients.push(await deviceClient(fleet, 'stop-1', fleet.registry.provision({ id: 'stop-1', role: 'stop-display' }).secret));
    const [b1, b2, b3, stop] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];
    const now = Date.now();
    // bus-1: two fixes (the newer one counts) and a load; bus-2: a fix, no apc; bus-3: a fix 120 s old.
    await b1.publishAsync(
      topic.telemetry('bus-1', 'gps'),
      batch([
        { seq: 1, ts: now - 2000, data: gps(now - 2000, 46.36, 15.11, 5, 80) },
        { seq: 2, ts: now - 1000, data: gps(now - 1000, 46.3601, 15.1102, 7.5, 92.5) },
      ]),
      { qos: 1 },
    );
    await b1.publishAsync(topic.telemetry('bus-1', 'apc'), batch([{ seq: 1, ts: now - 1500, data: apc(33) }]), { qos: 1 });
    await b2.publishAsync(topic.telemetry('bus-2', 'gps'), batch([{ seq: 1, ts: now - 500, data: gps(now - 500, 46.23, 15.26, 0, 0) }]), { qos: 1 });
    await b3.publishAsync(topic.telemetry('bus-3', 'gps'), batch([{ seq: 1, ts: now - 120_000, data: gps(now - 120_000, 46.1, 15.0, 3, 10) }]), { qos: 1 });
    await stop.publishAsync(topic.telemetry('stop-1', 'gps'), batch([{ seq: 1, ts: now, data: gps(now, 46.2, 15.2, 0, 0) }]), { qos: 1 });
    await waitFor('stored', () =>
      storedSeqs(fleet, 'bus-1', 'gps').length === 2 &&
      storedSeqs(fleet, 'bus-1', 'apc').length === 1 &&
      storedSeqs(fleet, 'bus-2', 'gps').length === 1 &&
      storedSeqs(fleet, 'bus-3', 'gps').length === 1,
    );
    // The stop display may or may not be allowed a gps stream; either way it is no vehicle.
    await new Promise((r) => setTimeout(r, 100));

    // Open data: no token.
    const first = await feed(fleet.httpUrl);
    assert.is(first.header.gtfsRealtimeVersion, '2.0');
    assert.is(first.header.incrementality, transit_realtime.FeedHeader.Incrementality.FULL_DATASET);
    const t1 = Number(first.header.timestamp);
    assert.ok(Math.abs(t1 - Math.floor(Date.now() / 1000)) <= 2, 'header timestamp: now, in seconds');
    assert.equal(first.entity.map((e) => e.id), ['bus-1', 'bus-2'], 'the buses with a fresh fix only: not the stop display, not bus-3 (120 s old)');

    const v1 = first.entity[0]!.vehicle!;
    assert.is(v1.vehicle!.id, 'bus-1');
    assert.is(v1.vehicle!.label, '101');
    assert.is(v1.trip, null, 'no trip descriptor yet');
    assert.is(v1.position!.latitude, Math.fround(46.3601));
    assert.is(v1.position!.longitude, Math.fround(15.1102));
    assert.is(v1.position!.bearing, 92.5);
    assert.is(v1.position!.speed, 7.5, 'm/s');
    assert.is(Number(v1.timestamp), Math.floor((now - 1000) / 1000));
    assert.is(v1.occupancyStatus, Occ.FEW_SEATS_AVAILABLE, '33 of 60');
    assert.is(v1.occupancyPercentage, 55);

    const v2 = first.entity[1]!.vehicle!;
    assert.is(v2.vehicle!.label, 'bus-2');
    assert.is(v2.position!.speed, 0);
    assert.is(v2.occupancyPercentage, 0, 'no apc: no occupancy');
    assert.not.ok(Object.prototype.hasOwnProperty.call(FeedMessage.toObject(first).entity[1].vehicle, 'occupancyStatus'));

    // The wall clock stepped back 30 s: the header timestamp does not go backwards.
    clock.step(-30_000);
    const second = await feed(fleet.httpUrl);
    assert.ok(Number(second.header.timestamp) >= t1, 'header timestamp never decreases');
    clock.step(30_000);

    // JSON: the same FeedMessage.
    const res = await fetch(fleet.httpUrl + '/gtfs-rt/vehicle-positions?format=json');
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const json = (await res.json()) as { entity: { vehicle: { occupancyStatus?: string } }[] };
    const pb = await feed(fleet.httpUrl);
    assert.equal(json, JSON.parse(JSON.stringify(FeedMessage.toObject(pb, { longs: Number, enums: String }))));
    assert.is(json.entity[0]?.vehicle.occupancyStatus, 'FEW_SEATS_AVAILABLE');
    assert.is((await fetch(fleet.httpUrl + '/gtfs-rt/vehicle-positions?format=xml')).status, 400);

    // A newer load updates the occupancy; an older, resent fix does not move the bus back.
    await b1.publishAsync(topic.telemetry('bus-1', 'apc'), batch([{ seq: 2, ts: now, data: apc(0) }]), { qos: 1 });
    await b1.publishAsync(topic.telemetry('bus-1', 'gps'), batch([{ seq: 3, ts: now - 5000, data: gps(now - 5000, 46.0, 15.0, 1, 1) }]), { qos: 1 });
    await waitFor('stored again', () => storedSeqs(fleet, 'bus-1', 'apc').length === 2 && storedSeqs(fleet, 'bus-1', 'gps').length === 3);
    const third = await waitFor('empty bus', async () => {
      const f = await feed(fleet.httpUrl);
      return f.entity[0]?.vehicle?.occupancyStatus === Occ.EMPTY ? f : null;
    });
    assert.is(third.entity[0]!.vehicle!.position!.latitude, Math.fround(46.3601));

    // 90 s on, bus-1's and bus-2's fixes are stale too.
    clock.step(95_000);
    assert.equal((await feed(fleet.httpUrl)).entity, []);
  } finally {
    for (const c of clients) await c.endAsync(true);
    await fleet.stop();
  }
});

test.run();
