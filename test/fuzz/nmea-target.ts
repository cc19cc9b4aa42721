/**
 * The NMEA 0183 decoder (protocols/nmea) as a fuzz target: a serial byte stream from a GNSS
 * receiver — real cycles from gpsd's sample logs, with fields mutated (and the checksum made right
 * again, so the mutation reaches the field readers and the assembler), sentences dropped, repeated
 * and reordered, binary packets and bytes spliced in, cut anywhere.
 *
 * Invariants: framer, parser and assembler never throw; the framer's lines start with `$`/`!`, are
 * printable ASCII within its limit, and its noise count is no more than the input; every error has
 * a short reason; every fix has a finite lat in [-90, 90] and lon in [-180, 180], an ISO time that
 * parses back to itself, a fix type of 2d/3d, a finite non-negative speed and a course in [0, 360);
 * and the stream decodes the same whether it arrives whole or in two chunks.
 */
import { type GnssFix, NmeaDecoder, NmeaFramer, nmeaChecksum, parseSentence } from '../../protocols/index.js';
import { type Input, type Rng, mutateBytes, randomBytes } from './generate.js';
import { check, type FuzzTarget, sameJson } from './invariants.js';

/** Whole receiver cycles (bu353s4, garmin15x, mtk-3329, nmea-fuzzy-cases) and the REFERENCES.md vectors. */
export const NMEA_SEEDS: readonly string[] = [
  '$GPGGA,030719.000,3747.0873,S,17518.8938,E,1,08,1.1,59.9,M,23.7,M,,0000*7D',
  '$GPGSA,A,3,17,28,06,01,30,20,26,13,,,,,1.8,1.1,1.5*33',
  '$GPRMC,030719.000,A,3747.0873,S,17518.8938,E,0.69,181.39,311214,,,A*7D',
  '$GPGSV,3,3,12,11,12,132,04,08,38,008,,02,35,348,,03,14,091,*73',
  '$GPRMC,113258,A,3238.9148,N,10822.4466,W,005.3,247.1,181022,009.3,E*6B',
  '$GPGGA,113258,3238.9148,N,10822.4466,W,2,08,1.1,1577.4,M,-24.6,M,,*4D',
  '$PGRME,7.6,M,41.7,M,42.4,M*2F',
  '$GPGGA,102128.000,5129.0623,N,00632.2910,E,1,4,1.31,29.7,M,47.4,M,,*6D',
  '$GPGSA,A,2,20,17,23,14,,,,,,,,,1.62,1.31,0.95*09',
  '$GPRMC,102128.000,A,5129.0623,N,00632.2910,E,0.23,30.68,210211,,,A*5E',
  '$GNGGA,133900.00,4134.50180323,N,09345.03586581,W,4,19,0.7,280.827,M,-31.442,M,6.0,0002*61',
  '$GNRMC,133900.00,A,4134.50180323,N,09345.03586581,W,0.008,0.000,180320,11.5982,E,D*31',
  '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
  '$GPVTG,156.6,T,,M,000.0,N,000.0,K,A*09',
  '$GPZDA,160012.71,11,03,2004,-1,00*7D',
  '$GNGLL,4404.14012,N,12118.85993,W,001037.00,A,A*67',
  '$GPRMC,143255.28,V,,S,,W,,,141102,,*12',
];

/** Field values a receiver, a bad cable or an attacker might send. */
const FIELD_EDGES = [
  '', '0', '00', '000000', '235960', '240000', '999999.999', '-1', '-0', '1e400', 'NaN', 'Infinity', '0x10', '.', '..', '9000.0000', '9000.0001',
  '18000.0000', '18000.0001', '5960.0000', '0000.0000', '4807.038', '01131.000', 'N', 'S', 'E', 'W', 'A', 'V', 'M', 'T', 'K', '1', '2', '3', '6',
  '8', '9', '290219', '310299', '060180', '311299', '010100', '360.0', '359.99', '1024', '99999999999999999999', '__proto__', 'x'.repeat(40),
];
const SIRF = [0xa0, 0xa2, 0x00, 0x09, 0x29, 0x24, 0x47, 0x50, 0x0a, 0x0d, 0x2a, 0x00, 0x01, 0x00, 0xb0, 0xb3];
const UBX = [0xb5, 0x62, 0x01, 0x07, 0x5c, 0x00, 0x24, 0x0d, 0x0a];
/** Noise count is in bytes of input: a string is fed as its characters (one per UTF-16 unit). */
const inputLength = (input: Input) => input.length;

/** One sentence with a field replaced and its checksum recomputed (or left wrong now and then). */
function mutateSentence(rng: Rng, line: string): string {
  const star = line.lastIndexOf('*');
  const body = line.slice(1, star < 0 ? undefined : star);
  const fields = body.split(',');
  const i = rng.int(fields.length);
  switch (rng.int(4)) {
    case 0:
      fields[i] = rng.pick(FIELD_EDGES);
      break;
    case 1: // a digit changed
      fields[i] = fields[i]!.replace(/\d/, String(rng.int(10)));
      break;
    case 2:
      fields.splice(i, 1);
      break;
    default:
      fields.splice(i, 0, rng.pick(FIELD_EDGES));
  }
  const out = fields.join(',');
  if (rng.chance(0.05)) return `$${out}`;
  return `$${out}*${rng.chance(0.05) ? '00' : nmeaChecksum(out)}`;
}

/** A receiver's stream: seed sentences in cycles, some mutated, with noise and line ends of all kinds. */
export function nmeaStream(rng: Rng): Input {
  if (rng.chance(0.05)) return randomBytes(rng, 2048);
  const parts: Buffer[] = [];
  for (let n = 1 + rng.int(24); n > 0; n--) {
    let line = rng.pick(NMEA_SEEDS);
    if (rng.chance(0.4)) line = mutateSentence(rng, line);
    parts.push(Buffer.from(line, 'latin1'), Buffer.from(rng.pick(['\r\n', '\r\n', '\n', '\r', '', '\n\r'])));
    if (rng.chance(0.1)) parts.push(Buffer.from(rng.chance(0.5) ? SIRF : UBX));
    if (rng.chance(0.03)) parts.push(Buffer.from(`$GPTXT,${'z'.repeat(rng.logInt(100, 2000))}`));
  }
  let out: Buffer = Buffer.concat(parts);
  if (rng.chance(0.3)) for (let n = 1 + rng.int(3); n > 0; n--) out = mutateBytes(rng, out);
  return rng.chance(0.1) ? out.toString('latin1') : out;
}

const NOW = Date.UTC(2026, 10, 27, 12);

function decodeAll(chunks: Input[]): { fixes: GnssFix[]; rejected: Record<string, number>; noise: number } {
  const d = new NmeaDecoder({ now: () => NOW, dateFloor: Date.UTC(2000, 0, 1) });
  const fixes = chunks.flatMap((c) => d.push(typeof c === 'string' ? c : new Uint8Array(c)));
  fixes.push(...d.end());
  return { fixes, rejected: d.rejected, noise: d.stats.noiseBytes };
}

function checkFix(f: GnssFix): void {
  const show = () => JSON.stringify(f);
  check(Number.isFinite(f.lat) && f.lat >= -90 && f.lat <= 90, 'fix-lat', show);
  check(Number.isFinite(f.lon) && f.lon >= -180 && f.lon <= 180, 'fix-lon', show);
  const t = Date.parse(f.time);
  check(Number.isFinite(t) && new Date(t).toISOString() === f.time, 'fix-time', show);
  check(f.fix === '2d' || f.fix === '3d', 'fix-type', show);
  check(f.speed === undefined || (Number.isFinite(f.speed) && f.speed >= 0), 'fix-speed', show);
  check(f.course === undefined || (Number.isFinite(f.course) && f.course >= 0 && f.course < 360), 'fix-course', show);
  for (const k of ['hdop', 'sats', 'alt'] as const) check(f[k] === undefined || Number.isFinite(f[k]), 'fix-number', show);
}

export function nmeaTarget(): FuzzTarget {
  return {
    name: 'nmea',
    input: nmeaStream,
    run(input) {
      const framer = new NmeaFramer();
      const lines = [...framer.push(typeof input === 'string' ? input : new Uint8Array(input)), ...framer.flush()];
      check(framer.noiseBytes <= inputLength(input), 'framer-noise', () => `${framer.noiseBytes} noise bytes of ${inputLength(input)}`);
      for (const line of lines) {
        check(/^[$!][\x20-\x7e]*$/.test(line) && line.length <= 120, 'framer-line', () => JSON.stringify(line.slice(0, 200)));
        const r = parseSentence(line);
        if ('error' in r) check(typeof r.error === 'string' && r.error.length > 0 && (r.detail ?? '').length <= 200, 'parse-reason', () => JSON.stringify(r));
      }
      const whole = decodeAll([input]);
      whole.fixes.forEach(checkFix);
      const cut = inputLength(input) ? (input.length * 7919) % input.length : 0;
      const split = decodeAll([input.slice(0, cut), input.slice(cut)]);
      check(sameJson(split, whole), 'chunking', () => `cut at ${cut}: ${JSON.stringify(split).slice(0, 300)} vs ${JSON.stringify(whole).slice(0, 300)}`);
    },
  };
}
