/**
 * The GNSS class: the contract on a replayed gpsd log and on the simulated bus, then what only the
 * replay does (the same fixes as the decoder, its pace, its laps, its comments) and what only the
 * simulation does (where the bus is, the sentences it writes, the geometry under it). The serial
 * driver, over a pty pair, is in gnss-serial.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGnss, ReplayGnss, SerialGnss, SimulatedGnss, type GnssFix } from '../../hardware/gnss/gnss.js';
import { assertFixesValid, gnssContract, hostileNmea, type GnssSetup, type GnssUnderTest } from '../../hardware/gnss/contract.js';
import { BusMotion, Route, bearingDeg, haversineM, type LatLon } from '../../hardware/gnss/route.js';
import { epochSentences, latitude, longitude, sentence } from '../../hardware/gnss/talker.js';
import { decodeNmea, parseSentence, isNmeaError } from '../../protocols/index.js';

const GPSD = path.resolve(import.meta.dirname, '../../../shared/data/nmea/gpsd');
const BU353 = path.join(GPSD, 'bu353s4.log');
/** A SiRF-II receiver speaking its binary protocol: noise, as far as NMEA goes. */
const SIRF_BINARY = fs.readFileSync(path.join(GPSD, 'bu303-moving.log'));

/** A loop through Velenje's centre, about 1 km (Titov trg, Rudarska, Šaleška, Kidričeva). */
const VELENJE_LOOP: LatLon[] = [
  [46.3592, 15.1109],
  [46.3601, 15.1125],
  [46.3612, 15.1118],
  [46.3608, 15.1096],
  [46.3595, 15.1094],
];

function replayed(setup: GnssSetup): GnssUnderTest {
  let file = BU353;
  if (setup.hostile) {
    file = path.join(setup.root, 'hostile.log');
    fs.writeFileSync(file, hostileNmea(fs.readFileSync(BU353, 'latin1'), SIRF_BINARY));
  }
  // 25 s of log at 25× is about a second.
  return { gnss: createGnss({ kind: 'replay', file, rate: 'realtime', speedup: 25 }), minFixes: 10 };
}

function simulated(setup: GnssSetup): GnssUnderTest {
  const gnss = createGnss({
    kind: 'simulated',
    route: VELENJE_LOOP,
    speedMps: 8.3,
    stops: [{ lat: 46.3601, lon: 15.1125, dwellS: 3 }],
    timeScale: 100,
    ...(setup.hostile ? { faults: { noise: 0.5, badChecksum: 0.2, seed: 7 } } : {}),
  });
  return { gnss, minFixes: 20 };
}

gnssContract('replay of a gpsd log (bu353s4), realtime at 25×', replayed);
gnssContract('simulated bus on a Velenje loop, 100×', simulated);

// ---------------------------------------------------------------------------------------------

const replay = suite('replay: the decoder\'s fixes, at the log\'s pace, lap after lap');

async function playFast(file: string, extra: { loop?: boolean } = {}): Promise<{ fixes: GnssFix[]; gnss: ReplayGnss }> {
  const gnss = createGnss({ kind: 'replay', file, rate: 'fast', ...extra });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  await gnss.finished;
  await gnss.stop();
  return { fixes, gnss };
}

replay('fast: every gpsd log gives exactly the fixes decodeNmea gives for the same file', async () => {
  let total = 0;
  for (const name of fs.readdirSync(GPSD).filter((f) => f.endsWith('.log'))) {
    const file = path.join(GPSD, name);
    const { fixes, gnss } = await playFast(file);
    const expected = decodeNmea(fs.readFileSync(file));
    assert.equal(fixes, expected.fixes, name);
    assert.is(gnss.stats().fixes, expected.fixes.length, name);
    assert.is(gnss.stats().sentences, expected.sentences, name);
    total += fixes.length;
  }
  assert.ok(total > 50, `only ${total} fixes in all the logs`);
});

replay('fast: a SiRF binary log is all noise, no fix, nothing thrown', async () => {
  const { fixes, gnss } = await playFast(path.join(GPSD, 'bu303-moving.log'));
  assert.is(fixes.length, 0);
  assert.ok(gnss.stats().noiseBytes > 4000, JSON.stringify(gnss.stats()));
});

replay('realtime: fixes come at the log\'s pace, divided by speedup', async () => {
  const gnss = createGnss({ kind: 'replay', file: BU353, speedup: 20 });
  const arrivals: { at: number; fix: GnssFix }[] = [];
  gnss.onFix((fix) => arrivals.push({ at: performance.now(), fix }));
  await gnss.start();
  await gnss.finished;
  await gnss.stop();
  assert.ok(arrivals.length >= 20, `${arrivals.length} fixes`);
  const logSpanMs = Date.parse(arrivals.at(-1)!.fix.time) - Date.parse(arrivals[0]!.fix.time);
  const playedMs = arrivals.at(-1)!.at - arrivals[0]!.at;
  const expectedMs = logSpanMs / 20;
  assert.ok(Math.abs(playedMs - expectedMs) < 250, `played ${playedMs.toFixed(0)} ms for ${expectedMs.toFixed(0)} ms of log at 20×`);
});

replay('loop: the log plays again, its fixes moved on by one lap, time only going forward', async () => {
  const single = await playFast(BU353);
  const n = single.fixes.length;
  const gnss = createGnss({ kind: 'replay', file: BU353, rate: 'fast', loop: true });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  while (fixes.length < 3 * n) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assert.ok(gnss.laps >= 2);
  assertFixesValid(fixes);
  const lapMs = Date.parse(fixes[n]!.time) - Date.parse(fixes[0]!.time);
  const first = Date.parse(single.fixes[0]!.time);
  const last = Date.parse(single.fixes[n - 1]!.time);
  assert.is(lapMs, last - first + 1000, 'one lap is the log from its first fix to its last, plus one interval');
  for (let i = 0; i < n; i++) {
    assert.equal({ ...fixes[n + i]!, time: single.fixes[i]!.time }, single.fixes[i]!, `lap 2, fix ${i}`);
    assert.is(Date.parse(fixes[n + i]!.time) - Date.parse(single.fixes[i]!.time), lapMs);
  }
});

replay('stopped and started again, a replay goes on as a new lap, one interval after its last fix', async () => {
  const gnss = createGnss({ kind: 'replay', file: BU353, rate: 'realtime', speedup: 50 });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  while (fixes.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  const n = fixes.length;
  await gnss.start();
  while (fixes.length < n + 5) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assertFixesValid(fixes);
  const single = decodeNmea(fs.readFileSync(BU353)).fixes;
  assert.is(Date.parse(fixes[n]!.time) - Date.parse(fixes[n - 1]!.time), 1000);
  assert.equal({ ...fixes[n]!, time: single[0]!.time }, single[0]);
});

replay('comment lines are not the receiver\'s: a sentence behind # is not read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabla-gnss-'));
  try {
    const lines = fs.readFileSync(BU353, 'latin1').split('\n').filter((l) => l.startsWith('$'));
    const file = path.join(dir, 'commented.log');
    fs.writeFileSync(file, ['# a note', ...lines.slice(0, 12).map((l) => `# ${l}`), ...lines.slice(12)].join('\n'));
    const { gnss } = await playFast(file);
    const expected = decodeNmea(lines.slice(12).join('\n'));
    assert.is(gnss.stats().sentences, expected.sentences);
    assert.is(gnss.stats().fixes, expected.fixes.length);
    assert.is(gnss.stats().noiseBytes, 0, 'comments were fed to the framer');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

replay('a log that is not there: start() rejects naming it, and nothing is left running', async () => {
  const gnss = createGnss({ kind: 'replay', file: '/nonexistent/bus.log' });
  await assert.not.throws(() => gnss.stats());
  try {
    await gnss.start();
    assert.unreachable('start() resolved');
  } catch (err) {
    assert.match(String(err), /\/nonexistent\/bus\.log/);
  }
  assert.is(gnss.stats().connected, false);
  await gnss.stop();
});

replay('createGnss picks the driver by kind, and refuses a kind it does not know', () => {
  assert.ok(createGnss({ kind: 'serial', path: '/dev/ttyAMA0' }) instanceof SerialGnss);
  assert.ok(createGnss({ kind: 'replay', file: BU353 }) instanceof ReplayGnss);
  assert.ok(createGnss({ kind: 'simulated', route: VELENJE_LOOP, speedMps: 8 }) instanceof SimulatedGnss);
  assert.throws(() => createGnss({ kind: 'gpsd' } as never), /unknown gnss kind: "gpsd"/);
  assert.throws(() => createGnss({ kind: 'replay', file: BU353, speedup: 0 }), RangeError);
  assert.throws(() => createGnss({ kind: 'simulated', route: [[46, 15]], speedMps: 8 }), RangeError);
});

replay.run();

// ---------------------------------------------------------------------------------------------

const sim = suite('simulated bus: where it is, what its receiver writes, the geometry');

sim('the geometry: haversine and bearing against published values', () => {
  // One degree of latitude on the mean-radius sphere: R·π/180.
  assert.ok(Math.abs(haversineM([46, 15], [47, 15]) - 111_195.08) < 0.05);
  // Land's End to John o' Groats: 968.9 km, initial bearing 009°07′11″ (Veness, movable-type.co.uk).
  const le: LatLon = [50 + 3 / 60 + 59 / 3600, -(5 + 42 / 60 + 53 / 3600)]; // 50°03′59″N 005°42′53″W
  const jog: LatLon = [58 + 38 / 60 + 38 / 3600, -(3 + 4 / 60 + 12 / 3600)]; // 58°38′38″N 003°04′12″W
  assert.ok(Math.abs(haversineM(le, jog) / 1000 - 968.9) < 0.1, `${haversineM(le, jog)}`);
  assert.ok(Math.abs(bearingDeg(le, jog) - (9 + 7 / 60 + 11 / 3600)) < 1 / 3600, `${bearingDeg(le, jog)}`);
  assert.is(bearingDeg([0, 15], [0, 14]), 270); // due west along the equator (off it, a great circle heads poleward)
  assert.ok(Math.abs(bearingDeg([46, 15], [45, 15]) - 180) < 1e-9);
});

sim('a route: its length, a point along it, a stop projected onto it, a closed loop', () => {
  const route = new Route([[46, 15], [46.01, 15], [46.01, 15.01]]);
  const leg1 = haversineM([46, 15], [46.01, 15]);
  assert.ok(Math.abs(route.lengthM - leg1 - haversineM([46.01, 15], [46.01, 15.01])) < 1e-6);
  const mid = route.at(leg1 / 2);
  assert.ok(Math.abs(mid.lat - 46.005) < 1e-9 && mid.lon === 15 && mid.courseDeg === 0);
  assert.ok(Math.abs(route.at(leg1 + 10).courseDeg - 90) < 0.01);
  assert.equal([route.at(-5).lat, route.at(1e9).lon], [46, 15.01], 'clamped to the ends');
  // A stop 20 m east of the first leg's midpoint projects onto it.
  assert.ok(Math.abs(route.project([46.005, 15.00026]) - leg1 / 2) < 1, `${route.project([46.005, 15.00026])}`);
  const loop = new Route([[46, 15], [46.01, 15], [46.01, 15.01]], { closed: true });
  assert.ok(Math.abs(loop.lengthM - route.lengthM - haversineM([46.01, 15.01], [46, 15])) < 1e-6);
  assert.throws(() => new Route([[46, 15], [46, 15]]), RangeError);
  assert.throws(() => new Route([[96, 15], [46, 15]]), RangeError);
});

sim('the bus drives at its speed, dwells at a stop, goes round a loop and stays at the end of an open route', () => {
  const route = new Route([[46, 15], [46.01, 15]]);
  const len = route.lengthM; // ≈ 1112 m
  const bus = new BusMotion(route, { speedMps: 10, stops: [{ distanceM: 500, dwellS: 3 }] });
  for (let i = 0; i < 49; i++) assert.is(bus.step().speedMps, 10);
  const arrival = bus.step();
  assert.ok(Math.abs(arrival.distanceM - 500) < 1e-9 && arrival.dwelling);
  assert.equal([bus.step(), bus.step(), bus.step()].map((s) => s.speedMps), [0, 0, 0]);
  assert.ok(Math.abs(bus.step().distanceM - 510) < 1e-9, 'moves on after its dwell');
  for (let i = 0; i < 100; i++) bus.step();
  assert.ok(Math.abs(bus.state.distanceM - len) < 1e-9 && bus.step().speedMps === 0, 'stays at the end');
  const round = new BusMotion(new Route([[46, 15], [46.001, 15], [46.001, 15.001]], { closed: true }), { speedMps: 10, closed: true });
  let laps = 0;
  for (let i = 0; i < 100; i++) laps = round.step().laps;
  assert.ok(laps >= 2, `${laps} laps`);
  assert.throws(() => new BusMotion(route, { speedMps: 0 }), RangeError);
});

sim('what the receiver writes: NMEA the decoder reads, with the checksums gpsd\'s vector has', () => {
  // The reference GGA (gpsd NMEA.adoc) framed by our talker has the reference checksum.
  assert.is(sentence('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'), '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n');
  assert.is(latitude(48.1173), '4807.03800,N');
  assert.is(longitude(11.516666667), '01131.00000,E');
  assert.is(latitude(-37.78479), '3747.08740,S');
  assert.is(longitude(-108.374110), '10822.44660,W');
  assert.is(latitude(45.9999999999), '4600.00000,N', 'minutes never read 60');
  const epoch = epochSentences({ timeMs: Date.UTC(2026, 10, 27, 7, 5, 9), lat: 46.3592, lon: 15.1109, speedMps: 8.3, courseDeg: 47.5, altitudeM: 400, sats: 9, hdop: 0.9 });
  assert.equal(epoch.map((s) => s.slice(3, 6)), ['RMC', 'GGA', 'GSA']);
  assert.ok(epoch.every((s) => s.endsWith('\r\n') && s.length <= 82), 'a sentence is at most 82 bytes with its CRLF');
  for (const s of epoch) assert.not.ok(isNmeaError(parseSentence(s)), s);
  assert.ok(epoch[0]!.startsWith('$GPRMC,070509.00,A,4621.55200,N,01506.65400,E,16.13,47.5,271126,,,A*'), epoch[0]);
  const decoded = decodeNmea(epoch.join(''));
  assert.equal(decoded.fixes.length, 1);
  const fix = decoded.fixes[0]!;
  assert.equal({ ...fix, speed: Math.round(fix.speed! * 100) / 100 }, { time: '2026-11-27T07:05:09.000Z', lat: 46.3592, lon: 15.1109, speed: 8.3, course: 47.5, fix: '3d', hdop: 0.9, sats: 9, alt: 400 });
});

sim('every fix is where the simulated bus was that second, at its speed, standing still at its stop', async () => {
  const stops = [{ lat: 46.3601, lon: 15.1125, dwellS: 4 }];
  const gnss = createGnss({ kind: 'simulated', route: VELENJE_LOOP, speedMps: 8.3, stops, timeScale: 500, startAt: '2026-11-27T07:00:00Z' });
  const truth = new BusMotion(new Route(VELENJE_LOOP, { closed: true }), { speedMps: 8.3, stops, closed: true });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  while (fixes.length < 60) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assertFixesValid(fixes);
  let standing = 0;
  fixes.slice(0, 60).forEach((fix, i) => {
    const bus = i === 0 ? truth.state : truth.step();
    assert.is(fix.time, new Date(Date.parse('2026-11-27T07:00:00Z') + i * 1000).toISOString());
    assert.ok(haversineM([fix.lat, fix.lon], [bus.lat, bus.lon]) < 0.05, `fix ${i} is ${haversineM([fix.lat, fix.lon], [bus.lat, bus.lon])} m off`);
    assert.ok(Math.abs(fix.speed! - bus.speedMps) < 0.01, `fix ${i}: ${fix.speed} m/s, the bus ${bus.speedMps}`);
    if (bus.speedMps === 0) standing++;
  });
  assert.is(standing, 4, 'the dwell is 4 s');
  assert.is(gnss.stats().rejected.jump, undefined, 'a loop never jumps');
});

sim('stopped and started again on the wall clock: the bus is where it was, the time is now', async () => {
  let now = Date.parse('2026-11-27T07:00:00.400Z');
  const gnss = createGnss({ kind: 'simulated', route: VELENJE_LOOP, speedMps: 8.3, timeScale: 500, now: () => now });
  const fixes: GnssFix[] = [];
  gnss.onFix((f) => fixes.push(f));
  await gnss.start();
  while (fixes.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assert.is(fixes[0]!.time, '2026-11-27T07:00:01.000Z', 'the first second after the clock');
  const where = gnss.bus;
  const n = fixes.length;
  now = Date.parse('2026-11-27T08:00:00.000Z');
  await gnss.start();
  while (fixes.length < n + 1) await new Promise((resolve) => setTimeout(resolve, 5));
  await gnss.stop();
  assert.is(fixes[n]!.time, '2026-11-27T08:00:00.000Z');
  assert.ok(haversineM([fixes[n]!.lat, fixes[n]!.lon], [where.lat, where.lon]) < 0.05);
  assertFixesValid(fixes);
});

sim('faults: a seeded run has the same noise and bad checksums in the same places', async () => {
  const run = async () => {
    const gnss = createGnss({ kind: 'simulated', route: VELENJE_LOOP, speedMps: 8.3, timeScale: 500, startAt: '2026-11-27T07:00:00Z', faults: { noise: 0.3, badChecksum: 0.1, seed: 42 } });
    let fixes = 0;
    // stop() clears the timer before it awaits: no second is written after the 40th fix.
    gnss.onFix(() => void (++fixes === 40 && gnss.stop()));
    await gnss.start();
    while (fixes < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    await gnss.stop();
    const { lastFixAt: _at, ...rest } = gnss.stats();
    return { ...rest, epochs: gnss.epochs };
  };
  const a = await run();
  const b = await run();
  assert.ok(a.noiseBytes > 0 && (a.rejected.checksum ?? 0) > 0, JSON.stringify(a));
  assert.equal(a, b);
});

sim.run();
