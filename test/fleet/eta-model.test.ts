/**
 * The ETA model (fleet/engines/eta/model/) on a small feed (test/fixtures/eta-line.ts): a line of five stops
 * 500 m apart, out and back in one block, and a second block later. Fixes are driven along it the
 * way a bus would send them; matching, stop times, learning, block continuation, terminus holds,
 * staleness and assignments are checked against the timetable's numbers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GtfsFeed } from '../../protocols/index.js';
import { TripPath } from '../../fleet/engines/eta/geometry.js';
import Database from 'better-sqlite3';
import { HISTORY_MIGRATIONS, TravelHistory } from '../../fleet/engines/eta/history.js';
import { EtaModel, passengerSafeShiftMs, type StopEvent } from '../../fleet/engines/eta/model/index.js';
import { LAT, T0, lineFeed, lonOf } from '../fixtures/eta-line.js';
import { boardEntries, scheduledDepartures } from '../../fleet/engines/eta/boards.js';

const feedOf = (extra: Record<string, string> = {}): GtfsFeed => lineFeed(extra).feed;

const DAY = 86_400_000;

/** Fixes every `every` s of a bus going from x0 to x1 metres at `speed` m/s, starting at `start`. */
function drive(model: EtaModel, id: string, start: number, x0: number, x1: number, speed: number, every = 5): number {
  const dir = Math.sign(x1 - x0);
  const dur = Math.abs(x1 - x0) / speed;
  let t = 0;
  for (; t <= dur; t += every) {
    model.observe(id, { time: start + t * 1000, lat: LAT, lon: lonOf(x0 + dir * speed * t), speed, course: dir > 0 ? 90 : 270 });
  }
  return start + t * 1000;
}

/** What predict() shows for an expected time, made at `now`: a little early (passengerSafeShiftMs). */
const shown = (expected: number, now: number) => Math.round(expected - passengerSafeShiftMs(expected - now));

/** The expected time behind a shown one (the shift is strictly monotonic past its first 22 s). */
function expectedOf(shownTime: number, now: number): number {
  let lo = shownTime;
  let hi = shownTime + 200_000;
  while (hi - lo > 1) {
    const mid = (lo + hi) / 2;
    if (mid - passengerSafeShiftMs(mid - now) < shownTime) lo = mid;
    else hi = mid;
  }
  return hi;
}

function wait(model: EtaModel, id: string, start: number, x: number, seconds: number, every = 5): number {
  let t = 0;
  for (; t <= seconds; t += every) model.observe(id, { time: start + t * 1000, lat: LAT, lon: lonOf(x), speed: 0 });
  return start + t * 1000;
}

test('the path places each stop where it is, in order, also when a loop passes a stop twice', () => {
  const out = [0, 500, 1000].map((x) => ({ lat: LAT, lon: lonOf(x) }));
  const back = [{ lat: LAT + 0.0003, lon: lonOf(1000) }, { lat: LAT + 0.0003, lon: lonOf(0) }];
  const path = new TripPath([...out, ...back], [out[0]!, out[1]!, out[2]!, { lat: LAT + 0.0003, lon: lonOf(500) }, { lat: LAT, lon: lonOf(500) }]);
  const d = [...path.stopDist].map(Math.round);
  assert.ok([0, 500, 1000].every((x, i) => Math.abs(d[i]! - x) <= 3), `${d}`);
  assert.ok(Math.abs(d[3]! - (1000 + 33 + 500)) < 5, `the way back: ${d[3]}`);
  // The fifth stop is the second one's place again, but after the third: on the way back, not at 500 m.
  assert.ok(d[4]! >= d[3]!, `${d}`);
  const p = path.nearest(LAT, lonOf(250));
  assert.ok(p && Math.abs(p.d - 250) < 2 && p.off < 1 && Math.abs(p.bearing - 90) < 1, JSON.stringify(p));
  assert.is(path.near(LAT + 0.00015, lonOf(250), 60).length, 2, 'a point between the two passes is near both');
});

test('a bus driving its run is matched to it, its stops timed as it reaches them, and the stops ahead predicted', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  const events: StopEvent[] = [];
  model.onStop = (e) => events.push(e);
  const start = T0 + 30_000; // 30 s late
  let t = drive(model, 'bus-1', start, 0, 750, 5);
  const v = model.view('bus-1', t)!;
  assert.is(v.runKey, 'T1@2026-11-30');
  assert.is(v.status, 'in-progress');
  assert.is(v.nextStop, 2);
  // At 750 m, 150 s after a start 30 s late; the timetable has the bus at 750 m at 08:03:00.
  assert.ok(Math.abs(v.delay! - (start + 150_000 - (T0 + 180_000)) / 1000) <= 5, `delay ${v.delay}`);
  const arrivals = events.filter((e) => e.kind === 'arrival').map((e) => [e.index, Math.round((e.time - start) / 1000)]);
  assert.equal(arrivals, [[1, 95]], 'stop 2 reached 25 m before its place: 475 m at 5 m/s');
  const p = model.predict('bus-1', t);
  assert.equal(p.slice(0, 3).map((x) => x.stopId), ['S3', 'S4', 'S5']);
  // Nothing learned yet: the timetable's 120 s per segment, from the half segment left — shown a
  // little early (passengerSafeShiftMs).
  const s3 = p[0]!;
  assert.ok(Math.abs(s3.arrival - shown(t - 5_000 + 60_000, t)) <= 5_000, `S3 at ${(s3.arrival - t) / 1000}s`);
  assert.ok(p.every((x, i) => x.departure >= x.arrival && (i === 0 || x.arrival >= p[i - 1]!.departure)), 'never decreasing');
  // Through the block: T2 leaves Stop 5 at its time, 08:15, not before (shown a little early).
  const t2 = p.find((x) => x.tripId === 'T2' && x.index === 0)!;
  assert.is(t2.departure, shown(T0 + 15 * 60_000, t));
  assert.ok(p.some((x) => x.tripId === 'T2' && x.stopId === 'S1'));
  assert.not.ok(p.some((x) => x.tripId === 'T3'), 'another block is not this bus');
  t = drive(model, 'bus-1', t, 750 + 25, 2000, 5);
  assert.equal(
    events.filter((e) => e.kind === 'arrival').map((e) => e.index),
    [1, 2, 3, 4],
  );
});

test('what it learns makes the next day better than the timetable', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  // The bus really needs 160 s per 500 m (the timetable says 120).
  const speed = 500 / 160;
  const errorAtS2 = (day: number) => {
    const start = T0 + day * DAY;
    let arrivalS5 = 0;
    model.onStop = (e) => {
      if (e.kind === 'arrival' && e.index === 4) arrivalS5 = e.time;
    };
    const t = drive(model, 'bus-1', start, 0, 560, speed);
    const predicted = model.predict('bus-1', t).find((x) => x.stopId === 'S5' && x.tripId === 'T1')!.arrival;
    drive(model, 'bus-1', t, 560, 2010, speed);
    model.forget('bus-1');
    // The expected time, not the one shown a little early.
    return Math.abs(expectedOf(predicted, t) - arrivalS5) / 1000;
  };
  const first = errorAtS2(0);
  const second = errorAtS2(7);
  assert.ok(first > 100, `day 1, by the timetable: ${first}s off`);
  assert.ok(second < 15, `a week later, learned: ${second}s off`);
});

test('a bus at the terminus before its run is on layover, and leaves at its time', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  const t = wait(model, 'bus-2', T0 + 25 * 60_000, 0, 120);
  const v = model.view('bus-2', t)!;
  assert.is(v.runKey, 'T3@2026-11-30');
  assert.is(v.status, 'layover');
  const p = model.predict('bus-2', t);
  assert.is(p[0]!.index, 0);
  assert.is(p[0]!.departure, shown(T0 + 30 * 60_000, t), 'not before 08:30 (shown a little early)');
  assert.is(p[1]!.arrival, shown(T0 + 32 * 60_000, t));
});

test('times are shown a little early, by about the centre of the accuracy windows, never in the past nor out of order', () => {
  const s = (leadS: number) => passengerSafeShiftMs(leadS * 1000) / 1000;
  assert.is(s(-10), 0);
  assert.is(s(0), 0);
  assert.is(s(10), 10, 'never before now');
  // The windows' centres: 30 s (0–3 min), 45 (3–6), 75 (6–10), 90 (10–15).
  assert.ok(Math.abs(s(90) - 30) <= 2 && Math.abs(s(270) - 45) <= 3 && Math.abs(s(480) - 75) <= 8 && s(750) === 90, `${s(90)} ${s(270)} ${s(480)} ${s(750)}`);
  assert.is(s(3600), 90);
  for (let lead = -60_000; lead < 3_600_000; lead += 500) {
    assert.ok(lead + 500 - passengerSafeShiftMs(lead + 500) >= lead - passengerSafeShiftMs(lead), `order kept at ${lead}`);
  }
});

test('a bus standing still for long is expected to stand about as long again', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  // On time to 300 m (fixes to 08:01:00), then standing there.
  let t = drive(model, 'bus-1', T0, 0, 300, 5);
  t = wait(model, 'bus-1', t, 300, 60);
  let last = t - 5_000;
  // 65 s standing: a red light; 200 m left of a 120 s segment.
  let p = model.predict('bus-1', last).find((x) => x.stopId === 'S2')!;
  assert.ok(Math.abs(p.arrival - shown(last + 48_000, last)) <= 1_000, `S2 at ${(p.arrival - last) / 1000}s`);
  t = wait(model, 'bus-1', t, 300, 60);
  last = t - 5_000;
  // 130 s standing: held; as long again before it moves on.
  p = model.predict('bus-1', last).find((x) => x.stopId === 'S2')!;
  assert.ok(Math.abs(p.arrival - shown(last + 48_000 + 130_000, last)) <= 1_000, `S2 at ${(p.arrival - last) / 1000}s`);
  assert.is(model.view('bus-1', last)!.status, 'in-progress');
});

test('a run leaves its terminus as late as buses usually leave it, and a late bus only after a layover', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  // Monday: waiting for T3 (08:30), moving off 40 s late (the last fix at the stop 08:30:35).
  let t = wait(model, 'bus-2', T0 + 25 * 60_000, 0, 5 * 60 + 35);
  let left = 0;
  model.onStop = (e) => {
    if (e.kind === 'departure' && e.index === 0) left = e.time;
  };
  drive(model, 'bus-2', t, 0, 2000, 5);
  model.forget('bus-2');
  const lag = left - (T0 + 30 * 60_000);
  assert.ok(Math.abs(lag - 45_000) <= 1_000, `left ${lag / 1000}s late (40 s, and 25 m at 5 m/s)`);
  // A week later, on layover before T3: it is expected to leave as late again.
  t = wait(model, 'bus-2', T0 + 7 * DAY + 25 * 60_000, 0, 120);
  const p = model.predict('bus-2', t - 5_000);
  assert.is(p[0]!.departure, shown(T0 + 7 * DAY + 30 * 60_000 + lag, t - 5_000));
  // A bus 12 min late on T1: T2 (08:15) leaves a minimum layover after it reaches Stop 5.
  const late = new EtaModel(feedOf(), new TravelHistory(null));
  t = drive(late, 'bus-1', T0 + 12 * 60_000, 0, 750, 5);
  const q = late.predict('bus-1', t);
  const s5 = q.find((x) => x.tripId === 'T1' && x.stopId === 'S5')!;
  const t2 = q.find((x) => x.tripId === 'T2' && x.index === 0)!;
  assert.ok(expectedOf(s5.arrival, t) > T0 + 15 * 60_000, 'it reaches Stop 5 after T2 should have left');
  assert.ok(Math.abs(expectedOf(t2.departure, t) - expectedOf(s5.arrival, t) - 60_000) <= 1_000, `layover ${(expectedOf(t2.departure, t) - expectedOf(s5.arrival, t)) / 1000}s`);
});

test('an AVL that names the next trip before the bus reaches its last stop still has the last stop timed', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  const events: StopEvent[] = [];
  model.onStop = (e) => events.push(e);
  let x = 0;
  let time = T0;
  for (; x <= 1900; x += 50, time += 10_000) model.observe('bus-1', { time, lat: LAT, lon: lonOf(x), speed: 5, course: 90 }, { tripId: 'T1' });
  assert.is(model.view('bus-1', time)!.runKey, 'T1@2026-11-30');
  // Pulling up at 1990 m, the AVL already says T2; Stop 5 (2000 m) is reached 25 m before its place.
  model.observe('bus-1', { time, lat: LAT, lon: lonOf(1990), speed: 0 }, { tripId: 'T2' });
  const s5 = events.find((e) => e.kind === 'arrival' && e.run.trip.id === 'T1' && e.index === 4);
  assert.ok(s5, 'Stop 5 reached on T1');
  assert.ok(s5.time > time - 10_000 && s5.time < time, 'between the two fixes');
  assert.is(model.view('bus-1', time)!.runKey, 'T2@2026-11-30');
});

test('a silent bus, a stalled one and one taken out of service get no predictions', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  let t = drive(model, 'bus-1', T0, 0, 300, 5);
  assert.ok(model.predict('bus-1', t).length > 0);
  assert.is(model.predict('bus-1', t + 7 * 60_000).length, 0, 'silent for 7 min');
  assert.is(model.view('bus-1', t + 7 * 60_000)!.status, 'silent');
  t = wait(model, 'bus-1', t, 300, 9 * 60);
  assert.is(model.view('bus-1', t)!.status, 'stalled');
  assert.is(model.predict('bus-1', t).length, 0);
  model.assign('bus-1', { kind: 'none' });
  t = drive(model, 'bus-1', t, 300, 400, 5);
  assert.is(model.view('bus-1', t)!.status, 'out-of-service');
  assert.is(model.view('bus-1', t)!.runKey, null);
});

test('an assignment narrows the match: a bus told it runs block B2 is not taken for B1', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  model.assign('bus-3', { kind: 'block', id: 'B2' });
  // On T1's path at T1's time: without the assignment it would be T1.
  let t = drive(model, 'bus-3', T0, 0, 200, 5);
  assert.is(model.view('bus-3', t)!.runKey, null, 'T3 is 30 min away: too early to match');
  t = drive(model, 'bus-3', T0 + 22 * 60_000, 0, 200, 5);
  assert.is(model.view('bus-3', t)!.runKey, 'T3@2026-11-30');
});

test('a detour: off the path for over 2 min, no predictions; back on it, matched again', () => {
  const model = new EtaModel(feedOf(), new TravelHistory(null));
  let t = drive(model, 'bus-1', T0, 0, 600, 5);
  for (let s = 0; s < 150; s += 5) model.observe('bus-1', { time: t + s * 1000, lat: LAT + 0.003, lon: lonOf(600 + s * 2), speed: 5, course: 90 });
  t += 150_000;
  assert.is(model.view('bus-1', t)!.status, 'unassigned', 'no run explains a bus 330 m off its line');
  assert.is(model.predict('bus-1', t).length, 0);
  t = drive(model, 'bus-1', t, 900, 1100, 5);
  assert.is(model.view('bus-1', t)!.runKey, 'T1@2026-11-30');
  assert.ok(model.predict('bus-1', t).length > 0);
});

test('a bus running across both DST changes of 2026 keeps its timetable: eight minutes either night, not an hour more or less', () => {
  // GTFS times count from noon − 12 h. On 29 March that is 23:00 CET the day before, so 02:55:00–03:03:00
  // is 01:55 CET → 03:03 CEST; on 25 October it is 01:00 CEST, so 01:55:00–02:03:00 is 02:55 CEST → 02:03 CET.
  // Either way eight minutes of driving from 00:55 UTC, across the change at 01:00 UTC.
  const trip = (id: string, h: number) =>
    [0, 2, 4, 6, 8].map((m, i) => {
      const t = `0${h + (55 + m >= 60 ? 1 : 0)}:${String((55 + m) % 60).padStart(2, '0')}:00`;
      return `${id},${t},${t},S${i + 1},${i + 1}`;
    });
  const feed = feedOf({
    'trips.txt': 'route_id,service_id,trip_id,trip_headsign,direction_id,block_id\nR,W,T8,Stop 5,0,B8\nR,W,T9,Stop 5,0,B9\n',
    'stop_times.txt': ['trip_id,arrival_time,departure_time,stop_id,stop_sequence', ...trip('T8', 1), ...trip('T9', 2)].join('\n') + '\n',
  });
  for (const [date, runKey, wall] of [
    ['2026-03-29', 'T9@2026-03-29', '2026-03-29T03:03:00+02:00'],
    ['2026-10-25', 'T8@2026-10-25', '2026-10-25T02:03:00+01:00'],
  ] as const) {
    const model = new EtaModel(feed, new TravelHistory(null));
    const arrivals: number[] = [];
    model.onStop = (e) => void (e.kind === 'arrival' && arrivals.push(e.time));
    // 500 m per 2 min, as the timetable says.
    const speed = 500 / 120;
    let t = drive(model, 'bus-n', Date.parse(`${date}T00:55:00Z`), 0, 1000, speed);
    const mid = model.view('bus-n', t)!;
    assert.is(mid.runKey, runKey, date);
    assert.ok(Math.abs(mid.delay!) <= 10, `${date}: on time mid-way, not an hour out (${mid.delay} s)`);
    const s5 = model.predict('bus-n', t).find((p) => p.stopId === 'S5')!;
    assert.is(s5.scheduledArrival, Date.parse(wall), `${date}: S5 at ${wall} by the wall clock`);
    assert.ok(Math.abs(s5.expectedArrival - Date.parse(wall)) <= 30_000, `${date}: expected ${new Date(s5.expectedArrival).toISOString()}`);
    t = drive(model, 'bus-n', t, 1000 + speed * 5, 2000, speed);
    assert.ok(Math.abs(arrivals.at(-1)! - Date.parse(wall)) <= 30_000, `${date}: reached S5 at ${new Date(arrivals.at(-1)!).toISOString()}`);
  }
});

test('a frequency-based trip: the bus is matched to the run that started nearest its time, and a board files its prediction under that run', () => {
  const load = lineFeed({
    'trips.txt': 'route_id,service_id,trip_id,trip_headsign,direction_id,block_id\nR,W,F1,Stop 5,0,\n',
    'stop_times.txt': 'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' + [1, 2, 3, 4, 5].map((i) => `F1,09:0${(i - 1) * 2}:00,09:0${(i - 1) * 2}:00,S${i},${i}`).join('\n') + '\n',
    'frequencies.txt': 'trip_id,start_time,end_time,headway_secs,exact_times\nF1,09:00:00,10:00:00,600,1\n',
  });
  const model = new EtaModel(load.feed, new TravelHistory(null));
  const start = Date.parse('2026-11-30T09:21:00+01:00');
  const t = drive(model, 'bus-f', start, 0, 700, 500 / 120);
  assert.is(model.view('bus-f', t)!.runKey, 'F1@2026-11-30+09:20:00');
  const p = model.predict('bus-f', t);
  const byRun = new Map([[p[0]!.runKey, new Map(p.map((x) => [x.stopSequence, x]))]]);
  const entries = boardEntries({ scheduled: scheduledDepartures(load.feed, 'S3', t - 30 * 60_000, t + 120 * 60_000), now: t, predictions: byRun });
  const s3 = entries.find((e) => e.runKey === 'F1@2026-11-30+09:20:00')!;
  assert.ok(s3.realtime, 'the 09:24 departure from Stop 3 is the bus');
  assert.is(s3.scheduled, Date.parse('2026-11-30T09:24:00+01:00'));
  assert.ok(entries.filter((e) => !e.realtime).every((e) => e.scheduled > s3.scheduled), 'the later runs stay scheduled');
});

test('what is learned survives a restart: written in one transaction per flush, read back by site', () => {
  const db = new Database(':memory:');
  for (const sql of HISTORY_MIGRATIONS) db.exec(sql);
  const a = new TravelHistory(db, 'town');
  a.record('run', 'S1>S2', 0, 8, 100, T0);
  a.record('run', 'S1>S2', 0, 8, 110, T0 + 60_000);
  assert.is((db.prepare('SELECT count(*) AS n FROM eta_history').get() as { n: number }).n, 0, 'nothing written before the flush');
  assert.is(a.flush(), 1);
  assert.is(a.flush(), 0, 'nothing left to write');
  const b = new TravelHistory(db, 'town');
  const other = new TravelHistory(db, 'elsewhere');
  const at = T0 + 7 * DAY;
  assert.ok(Math.abs(b.estimate('run', 'S1>S2', 0, 8, at)!.mean - a.estimate('run', 'S1>S2', 0, 8, at)!.mean) < 1e-9);
  assert.is(other.estimate('run', 'S1>S2', 0, 8, at), null, "another site's history is its own");
});

test.run();
