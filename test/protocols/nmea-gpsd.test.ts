/**
 * The NMEA decoder against gpsd's own output: every real receiver log in shared/data/nmea/gpsd
 * (`*.log`, lines starting with `#` are comments) decoded and compared with gpsd's regression
 * output beside it (`*.log.chk`, JSON lines; the `TPV` objects are its fixes).
 *
 * gpsd reports a TPV after several sentences of one cycle (after RMC, again after GGA, …); the
 * last TPV of each time is its verdict on that cycle. Every gpsd fix (mode 2 or 3) must be ours too:
 * the same time to the millisecond, lat/lon within 1e-6°, the same mode, and speed, course and
 * altitude where gpsd has them; and we may have no fix at a time where gpsd had mode ≤ 1 or none.
 * TPVs without a time (gpsd's report after a GGA before any date was known) belong to the cycle
 * whose timed TPV follows, and are compared through it.
 *
 * Where we cannot or choose not to agree, the log is listed below with the reason, and what can
 * still be checked is checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeNmea, type GnssFix, NmeaFramer, parseSentence } from '../../protocols/index.js';

const DIR = path.resolve(import.meta.dirname, '../../../shared/data/nmea/gpsd');
/** The logs are 2005–2022: a date floor before them (the default, the build's year minus one, would take them for week rollovers). */
const DATE_FLOOR = Date.UTC(2000, 0, 1);

/** Logs in a binary protocol gpsd decodes and an NMEA decoder does not: no NMEA sentence in them at all. */
const BINARY_ONLY: Record<string, string> = {
  'bu303-moving.log': 'SiRF binary only (A0 A2 … B0 B3 packets): gpsd decodes SiRF MID 41; here it is noise',
  'bu303-nofix.log': 'SiRF binary only, no fix in it either',
};

/** Fix types we deliberately report differently from gpsd: how many cycles, and why. */
const MODE_DEVIATIONS: Record<string, { gpsd: number; ours: GnssFix['fix']; count: number; why: string }> = {
  'mtk-3329.log': {
    gpsd: 3,
    ours: '2d',
    count: 4,
    why: "the receiver's GSA says mode 2 (2D) in every cycle; gpsd reports 3D because GGA carries an altitude. We take GSA's word: it is what the receiver solved for",
  },
};

interface Tpv {
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  speed?: number;
  track?: number;
  altMSL?: number;
}

const logs = fs.readdirSync(DIR).filter((f) => f.endsWith('.log')).sort();

/** The log's bytes without its comment lines. */
function readLog(file: string): Uint8Array {
  const bytes = fs.readFileSync(path.join(DIR, file));
  const kept: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf + 1;
    if (bytes[start] !== 0x23) kept.push(bytes.subarray(start, end));
    start = end;
  }
  return new Uint8Array(Buffer.concat(kept));
}

/** gpsd's last TPV of each time. */
function gpsdCycles(file: string): Map<string, Tpv> {
  const cycles = new Map<string, Tpv>();
  for (const line of fs.readFileSync(path.join(DIR, `${file}.chk`), 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { class: string } & Tpv;
    if (o.class === 'TPV' && o.time) cycles.set(o.time, o);
  }
  return cycles;
}

const close = (a: number | undefined, b: number | undefined, eps: number) => a !== undefined && b !== undefined && Math.abs(a - b) <= eps;

test('the oracle is there: gpsd logs with their .chk', () => {
  assert.ok(logs.length >= 6, `logs in ${DIR}: ${logs.join(', ')}`);
  for (const log of logs) assert.ok(fs.existsSync(path.join(DIR, `${log}.chk`)), `${log}.chk`);
});

for (const log of logs) {
  test(`${log}: every gpsd fix reproduced, none invented`, () => {
    const bytes = readLog(log);
    const r = decodeNmea(bytes, { dateFloor: DATE_FLOOR });
    const cycles = gpsdCycles(log);
    const gpsdFixes = [...cycles.values()].filter((t) => t.mode >= 2);

    if (BINARY_ONLY[log]) {
      const framer = new NmeaFramer();
      const lines = [...framer.push(bytes), ...framer.flush()];
      const sentences = lines.filter((l) => !('error' in parseSentence(l)));
      process.stdout.write(`  ${log}: gpsd fixes ${gpsdFixes.length}, matched 0, extra ${r.fixes.length} — ${BINARY_ONLY[log]}; ${r.noiseBytes} of ${bytes.length} bytes noise\n`);
      assert.is(sentences.length, 0, 'no NMEA sentence in it');
      assert.equal(r.fixes, [], 'no fix invented from binary');
      assert.ok(r.noiseBytes > bytes.length * 0.9, `noise ${r.noiseBytes} of ${bytes.length}`);
      return;
    }

    const ours = new Map(r.fixes.map((f) => [f.time, f]));
    assert.is(ours.size, r.fixes.length, 'one fix per time');
    const extra = r.fixes.filter((f) => (cycles.get(f.time)?.mode ?? 0) < 2).map((f) => f.time);
    const missing: string[] = [];
    const wrong: string[] = [];
    const modeDiffs: string[] = [];
    const deviation = MODE_DEVIATIONS[log];
    let matched = 0;
    for (const g of gpsdFixes) {
      const f = ours.get(g.time!);
      if (!f) {
        missing.push(g.time!);
        continue;
      }
      const bad = [
        !close(f.lat, g.lat, 1e-6) && `lat ${f.lat} vs ${g.lat}`,
        !close(f.lon, g.lon, 1e-6) && `lon ${f.lon} vs ${g.lon}`,
        g.speed !== undefined && !close(f.speed, g.speed, 0.0005 + 1e-9) && `speed ${f.speed} vs ${g.speed}`,
        g.track !== undefined && !close(f.course, g.track, 1e-3) && `course ${f.course} vs ${g.track}`,
        g.altMSL !== undefined && !close(f.alt, g.altMSL, 1e-3) && `alt ${f.alt} vs ${g.altMSL}`,
      ].filter(Boolean);
      if (bad.length) wrong.push(`${g.time}: ${bad.join(', ')}`);
      else matched++;
      if (f.fix !== `${g.mode}d`) {
        modeDiffs.push(g.time!);
        assert.ok(deviation && g.mode === deviation.gpsd && f.fix === deviation.ours, `${g.time}: fix ${f.fix}, gpsd mode ${g.mode}`);
      }
    }
    process.stdout.write(
      `  ${log}: gpsd fixes ${gpsdFixes.length}, matched ${matched}, extra ${extra.length}` +
        (deviation ? `; fix type differs in ${modeDiffs.length} (${deviation.why})` : '') +
        `; rejected ${JSON.stringify(r.rejected)}\n`,
    );
    assert.equal(missing, [], 'gpsd fixes we do not have');
    assert.equal(wrong, [], 'fixes that differ');
    assert.equal(extra, [], 'fixes where gpsd had none');
    assert.is(modeDiffs.length, deviation?.count ?? 0, 'fix types that differ from gpsd');
    assert.ok(gpsdFixes.length > 0);
  });
}

test('no fix before a cycle is complete: the first gpsd TPVs without a time are the first timed cycle', () => {
  // bu353s4 starts GGA, GSA, RMC: gpsd reports after GGA (no date yet, no time) and again after RMC.
  const r = decodeNmea(readLog('bu353s4.log'), { dateFloor: DATE_FLOOR });
  assert.equal(r.fixes[0], {
    time: '2014-12-31T03:07:19.000Z',
    lat: -(37 + 47.0873 / 60),
    lon: 175 + 18.8938 / 60,
    speed: 0.69 * 0.514444,
    course: 181.39,
    fix: '3d',
    hdop: 1.1,
    sats: 8,
    alt: 59.9,
  });
});

test.run();
