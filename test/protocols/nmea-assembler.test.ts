/**
 * The fix assembler: one fix per receiver cycle, gated (no fix, status V, impossible jumps), dated
 * (RMC, ZDA, the last date, the clock) with GPS week-rollover correction; and `decodeNmea` over it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FixAssembler, type FixAssemblerOptions, type GnssFix, KNOTS_TO_MPS, WEEK_ROLLOVER_MS, decodeNmea, nmeaChecksum, parseSentence,
} from '../../protocols/index.js';

const s = (body: string) => `$${body}*${nmeaChecksum(body)}`;
type Pos = { lat?: string; lon?: string };
const LAT = '4621.5000,N'; // Velenje, 46.3583 N 15.1100 E
const LON = '01506.6000,E';
const rmc = (t: string, o: Pos & { status?: string; date?: string; knots?: string; track?: string; mode?: string } = {}) =>
  s(`GPRMC,${t},${o.status ?? 'A'},${o.lat ?? LAT},${o.lon ?? LON},${o.knots ?? '010.0'},${o.track ?? '084.4'},${o.date ?? '271126'},,,${o.mode ?? 'A'}`);
const gga = (t: string, o: Pos & { quality?: number; sats?: string; hdop?: string; alt?: string } = {}) =>
  s(`GPGGA,${t},${o.lat ?? LAT},${o.lon ?? LON},${o.quality ?? 1},${o.sats ?? '08'},${o.hdop ?? '0.9'},${o.alt ?? '400.5'},M,46.9,M,,`);
const gsa = (mode = 3) => s(`GPGSA,A,${mode},32,14,31,10,22,,,,,,,,3.2,1.8,2.7`);
const vtg = (course: string, knots: string) => s(`GPVTG,${course},T,,M,${knots},N,,K,A`);
const zda = (t: string, dd: string, mm: string, yyyy: string) => s(`GPZDA,${t},${dd},${mm},${yyyy},00,00`);
const cycle = (t: string) => [gga(t), gsa(), rmc(t)];

const DAY = 86_400_000;
const FLOOR_2025 = Date.UTC(2025, 0, 1);

/** Pushes lines one by one; each fix with the index of the line that returned it (-1: the flush). */
function feed(lines: string[], options: FixAssemblerOptions = {}, flush = true) {
  const a = new FixAssembler(options);
  const out: { at: number; fix: GnssFix }[] = [];
  lines.forEach((line, at) => {
    const p = parseSentence(line);
    if ('error' in p) throw new Error(`${line}: ${p.error} ${p.detail ?? ''}`);
    const fix = a.push(p);
    if (fix) out.push({ at, fix });
  });
  if (flush) {
    const fix = a.flush();
    if (fix) out.push({ at: -1, fix });
  }
  return { a, out, fixes: out.map((o) => o.fix) };
}

test('one cycle (GGA, GSA, RMC of one time) is one fix: ISO time, position, m/s, course, 3d, HDOP, satellites, altitude', () => {
  const { fixes, a } = feed(cycle('123519.50'));
  assert.equal(fixes, [
    { time: '2026-11-27T12:35:19.500Z', lat: 46 + 21.5 / 60, lon: 15 + 6.6 / 60, speed: 10 * KNOTS_TO_MPS, course: 84.4, fix: '3d', hdop: 0.9, sats: 8, alt: 400.5 },
  ]);
  assert.equal(a.rejected, {});
});

test('a cycle is emitted when the next begins, and once its last sentence is learned (two cycles alike), at that sentence', () => {
  const lines = ['123519', '123520', '123521', '123522'].flatMap(cycle);
  const { out } = feed(lines);
  // Cycles 1 and 2 end when the next cycle's GGA arrives (lines 3 and 6); from then on RMC is known
  // to end a cycle, and cycles 3 and 4 come out on their own RMC (lines 8 and 11).
  assert.equal(out.map((o) => [o.at, o.fix.time.slice(11, 19)]), [[3, '12:35:19'], [6, '12:35:20'], [8, '12:35:21'], [11, '12:35:22']]);
  // The Garmin order (RMC, GGA, GSA): the untimed GSA ends the cycle.
  const garmin = feed(['113258', '113259', '113300', '113301'].flatMap((t) => [rmc(t), gga(t), gsa()]), {}, false);
  assert.equal(garmin.out.map((o) => o.at), [3, 6, 8, 11]);
  // A sentence after the early emission means the cycle was not over: unlearned, back to waiting.
  const changed = feed([...cycle('100000'), ...cycle('100001'), ...cycle('100002'), gga('100003'), rmc('100003'), gsa(2), gga('100004'), rmc('100004'), gsa(2)]);
  assert.equal(changed.out.map((o) => [o.at, o.fix.time.slice(11, 19), o.fix.fix]), [
    [3, '10:00:00', '3d'], [6, '10:00:01', '3d'], [8, '10:00:02', '3d'], [10, '10:00:03', '3d'], [-1, '10:00:04', '2d'],
  ]);
  // One sentence per cycle (RMC only): each cycle is ended by the next, never stuck a cycle behind.
  const rmcOnly = feed(['090000', '090001', '090002', '090003'].map((t) => rmc(t)), {}, false);
  assert.equal(rmcOnly.out.map((o) => o.at), [1, 2, 3]);
});

test('gates: RMC status V, GGA quality 0, GSA mode 1, FAA mode N, no position, 0,0 — no fix, each counted', () => {
  const { fixes, a } = feed([
    gga('100000'), gsa(), rmc('100000', { status: 'V' }),
    gga('100001', { quality: 0 }), rmc('100001'),
    gga('100002'), gsa(1), rmc('100002'),
    rmc('100003', { mode: 'N' }),
    gga('100004', { lat: ',', lon: ',' }), rmc('100004', { lat: ',', lon: ',' }),
    rmc('100005', { lat: '0000.0000,N', lon: '00000.0000,E' }),
    ...cycle('100006'),
  ]);
  assert.equal(fixes.map((f) => f.time), ['2026-11-27T10:00:06.000Z']);
  assert.equal(a.rejected, { 'status-v': 1, 'no-fix': 3, 'no-position': 1, 'zero-position': 1 });
  // A cycle with no position sentence at all (a lone ZDA) is no attempt and counts nothing.
  assert.equal(feed([zda('100000', '27', '11', '2026')]).a.rejected, {});
});

test('fix type: GSA 2 → 2d, 3 → 3d; without GSA, 3d only from GGA quality ≥ 1 with an altitude (gpsd: RMC alone is 2D)', () => {
  const fixOf = (lines: string[]) => feed(lines).fixes.map((f) => f.fix);
  assert.equal(fixOf([gga('100000'), gsa(2), rmc('100000')]), ['2d']);
  assert.equal(fixOf([gga('100000'), gsa(3), rmc('100000')]), ['3d']);
  assert.equal(fixOf([rmc('100000')]), ['2d']);
  assert.equal(fixOf([gga('100000'), rmc('100000')]), ['3d']);
  assert.equal(fixOf([gga('100000', { alt: '' }), rmc('100000')]), ['2d']);
  assert.equal(fixOf([gga('100000', { quality: 6 }), rmc('100000', { mode: 'E' })]), ['3d'], 'dead reckoning is a fix');
  // Several GSAs per cycle (one per constellation): the first with a mode decides.
  assert.equal(fixOf([gga('100000'), s('GNGSA,A,3,01,02,03,,,,,,,,,,1.0,0.8,0.6,1'), s('GNGSA,A,3,65,66,,,,,,,,,,,1.0,0.8,0.6,2'), rmc('100000')]), ['3d']);
});

test('speed and course from VTG when RMC has none; satellites from GSA when GGA has none', () => {
  const { fixes } = feed([s(`GPGGA,100000,${LAT},${LON},1,,1.2,400.5,M,46.9,M,,`), gsa(), vtg('271.5', '020.0'), rmc('100000', { knots: '', track: '' })]);
  assert.equal(fixes.map((f) => [f.speed, f.course, f.sats, f.hdop]), [[20 * KNOTS_TO_MPS, 271.5, 5, 1.2]]);
});

test('jumps: a fix implying more than maxSpeedMps since the last accepted one is dropped; two agreeing fixes outvote a bad anchor', () => {
  // 46.3583 N: 0.01° of latitude is 1112 m. At 1 s spacing, 70 m/s (+10 m) is the limit.
  const far = { lat: '4622.5000,N' }; // 1.85 km north
  const { fixes, a } = feed([rmc('100000'), rmc('100001', far), rmc('100002'), rmc('100003', { lat: '4621.5400,N' })]);
  assert.equal(fixes.map((f) => f.time.slice(11, 19)), ['10:00:00', '10:00:02', '10:00:03'], 'the spike is dropped; 74 m in 1 s passes');
  assert.equal(a.rejected, { jump: 1 });
  // The first fix was the bad one: the next two agree with each other, so the second is a new start.
  const bad = feed([rmc('100000', far), rmc('100001'), rmc('100002'), rmc('100003')]);
  assert.equal(bad.fixes.map((f) => f.time.slice(11, 19)), ['10:00:00', '10:00:02', '10:00:03']);
  assert.is(bad.a.reanchors, 1);
  assert.equal(bad.a.rejected, { jump: 1 });
  // A bus at 25 m/s for ten minutes is no jump; the limit is an option.
  const drive = [rmc('100000'), rmc('100100', { lat: '4622.3000,N' }), rmc('100200', { lat: '4623.1000,N' })]; // 1482 m a minute
  assert.is(feed(drive).fixes.length, 3);
  assert.is(feed(drive, { maxSpeedMps: 20 }).fixes.length, 1);
  // Time going back, or a repeat of the same time, is not a new fix.
  const back = feed([rmc('100005'), rmc('100004'), rmc('100010')]);
  assert.equal(back.a.rejected, { 'time-backwards': 1 });
  assert.is(back.fixes.length, 2);
});

test('week rollover: a date before the floor is moved 1024 weeks forward and counted; one still before it is refused', () => {
  // A receiver with the rollover bug on 2026-11-27 reports 2007-04-13.
  assert.is(new Date(Date.UTC(2026, 10, 27) - WEEK_ROLLOVER_MS).toISOString(), '2007-04-13T00:00:00.000Z');
  const { fixes, a } = feed([gga('123519'), gsa(), rmc('123519', { date: '130407' })], { dateFloor: FLOOR_2025 });
  assert.equal(fixes.map((f) => f.time), ['2026-11-27T12:35:19.000Z']);
  assert.is(a.weekRollovers, 1);
  // 1980-01-06, the GPS epoch a cold receiver starts from: + 1024 weeks is 1999, still before the floor.
  const cold = feed([gga('000005'), rmc('000005', { date: '060180' })], { dateFloor: FLOOR_2025 });
  assert.equal(cold.fixes, []);
  assert.equal(cold.a.rejected, { 'bad-date': 1 });
  // The floor is an option: replaying a 2005 log takes a floor before it.
  assert.equal(feed([rmc('143444.28', { date: '090605' })], { dateFloor: Date.UTC(2000, 0, 1) }).fixes.map((f) => f.time), ['2005-06-09T14:34:44.280Z']);
  // ZDA's dates are corrected the same way.
  const z = feed([zda('123519', '13', '04', '2007'), gga('123519')], { dateFloor: FLOOR_2025, now: () => 0 });
  assert.equal(z.fixes.map((f) => f.time), ['2026-11-27T12:35:19.000Z']);
});

test('dates without RMC: from ZDA, then the last date (across midnight), else the clock, else refused', () => {
  const lines = [zda('235958', '27', '11', '2026'), gga('235958'), gga('235959'), gga('000000'), gga('000001')];
  assert.equal(feed(lines, { now: () => NaN }).fixes.map((f) => f.time), [
    '2026-11-27T23:59:58.000Z', '2026-11-27T23:59:59.000Z', '2026-11-28T00:00:00.000Z', '2026-11-28T00:00:01.000Z',
  ]);
  // No date ever sent: the clock's day nearest to the fix — yesterday just after midnight.
  const now = Date.UTC(2026, 10, 28, 0, 0, 5);
  assert.equal(feed([gga('235958')], { now: () => now }).fixes.map((f) => f.time), ['2026-11-27T23:59:58.000Z']);
  assert.equal(feed([gga('000003')], { now: () => now }).fixes.map((f) => f.time), ['2026-11-28T00:00:03.000Z']);
  // A Pi without a real-time clock boots in 1970: its clock is no date.
  const early = feed([gga('120000')], { now: () => 12 * 3600 * 1000 });
  assert.equal(early.fixes, []);
  assert.equal(early.a.rejected, { 'no-date': 1 });
  assert.ok(now > FLOOR_2025 + DAY);
});

test('decodeNmea: framer → parser → assembler over a noisy recording, with every refusal counted', () => {
  const sirf = Buffer.from([0xa0, 0xa2, 0x00, 0x02, 0x84, 0x00, 0x00, 0x84, 0xb0, 0xb3]);
  const text = [
    ...cycle('100000'),
    '$GPGGA,100001,4621.5000,N,01506.6000,E,1,08,0.9,400.5,M,46.9,M,,*00', // wrong checksum
    gsa(),
    rmc('100001'),
    s('GPGSV,3,1,11,02,60,319,36,05,77,132,38,11,29,052,29,12,46,186,46'),
    '$PMTK001,604,1*30',
    s(`GPTXT,${'x'.repeat(130)}`),
    rmc('100002', { status: 'V' }),
    ...cycle('100003'),
  ].join('\r\n');
  const cut = text.indexOf('\r\n', 200) + 2; // between two lines
  const bytes = Buffer.concat([sirf, Buffer.from(text.slice(0, cut)), sirf, Buffer.from(text.slice(cut)), Buffer.from('\r\n')]);
  const r = decodeNmea(new Uint8Array(bytes));
  assert.equal(r.fixes.map((f) => f.time.slice(11, 19)), ['10:00:00', '10:00:01', '10:00:03']);
  assert.equal(r.rejected, { checksum: 1, overlong: 1, 'status-v': 1 });
  assert.equal(r.unsupported, { GPGSV: 1, PMTK001: 1 });
  assert.is(r.noiseBytes, sirf.length * 2);
  assert.is(r.sentences, 9);
  assert.is(r.weekRollovers, 0);
  assert.equal(decodeNmea(text), { ...r, noiseBytes: 0 }, 'the same from the text without the binary');
});

test.run();
