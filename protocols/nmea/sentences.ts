/**
 * NMEA 0183 sentences: the checksum, and RMC, GGA, GSA, VTG, ZDA and GLL read into typed objects.
 * Implemented from gpsd's `www/NMEA.adoc` ("NMEA Revealed", E. S. Raymond), cited by section. Pure.
 *
 * A sentence: `$` (or `!` for AIS), the tag — a two-letter talker ID and a three-letter type —,
 * comma-separated fields, `*`, two hex digits of checksum ("NMEA Encoding Conventions").
 *
 * Missing checksum: refused (`no-checksum`) unless `{ requireChecksum: false }`. NMEA.adoc: "The
 * Checksum is mandatory"; gpsd tolerates its absence for old receivers, but on a bus's serial line
 * a sentence without one cannot be told from a corrupted one, and a wrong position is worse than
 * one missed second. Every receiver in the gpsd sample logs sends it.
 */
import {
  type CalendarDate, FieldError, KMH_TO_MPS, KNOTS_TO_MPS, angle, calendarDate, course, ddmmyy, int, letter, num, timeOfDay, unsigned,
} from './fields.js';

export type { CalendarDate } from './fields.js';

/** FAA mode indicator (NMEA 2.3+ last field of RMC, GLL, VTG): A autonomous, D differential, E estimated (dead reckoning), F RTK float, M manual, N not valid, P precise, R RTK integer, S simulator. */
export type FaaMode = 'A' | 'D' | 'E' | 'F' | 'M' | 'N' | 'P' | 'R' | 'S';
const FAA_MODES: readonly FaaMode[] = ['A', 'D', 'E', 'F', 'M', 'N', 'P', 'R', 'S'];
const STATUS = ['A', 'V'] as const;

/** Talker IDs of GNSS receivers (NMEA.adoc, "Talker IDs"); others (II, IN, EC, …) are accepted too. */
export const GNSS_TALKERS = ['GP', 'GL', 'GA', 'GB', 'BD', 'GN', 'GQ', 'QZ', 'GI'] as const;

interface Tagged {
  /** Two-letter talker ID: GP GPS, GL GLONASS, GA Galileo, GB/BD BeiDou, GN several systems, … */
  talker: string;
}

/** RMC, Recommended Minimum Navigation Information. Speed converted from knots to m/s. */
export interface RmcSentence extends Tagged {
  type: 'RMC';
  /** UTC time of day, ms since midnight. */
  time?: number;
  /** A valid, V warning (no fix, or a fix below the receiver's quality threshold). */
  status?: 'A' | 'V';
  lat?: number;
  lon?: number;
  /** Speed over ground, m/s. */
  speed?: number;
  /** Track made good, degrees true. */
  course?: number;
  date?: CalendarDate;
  /** Magnetic variation, degrees, east positive. */
  magVar?: number;
  mode?: FaaMode;
}

/** GGA, Global Positioning System Fix Data. */
export interface GgaSentence extends Tagged {
  type: 'GGA';
  time?: number;
  lat?: number;
  lon?: number;
  /** 0 no fix, 1 GPS, 2 DGPS, 3 PPS, 4 RTK integer, 5 RTK float, 6 dead reckoning, 7 manual, 8 simulation. */
  quality?: number;
  /** Satellites in use. */
  sats?: number;
  hdop?: number;
  /** Antenna altitude above mean sea level, m. */
  alt?: number;
  /** Geoidal separation, m. */
  geoidSep?: number;
}

/** GSA, DOP and active satellites. */
export interface GsaSentence extends Tagged {
  type: 'GSA';
  /** A automatic 2D/3D, M manual (forced). */
  selection?: 'A' | 'M';
  /** 1 no fix, 2 2D, 3 3D. */
  fixType?: 1 | 2 | 3;
  /** Satellites used in the fix. */
  prns: number[];
  pdop?: number;
  hdop?: number;
  vdop?: number;
  /** NMEA 4.11 system ID (1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou, …). */
  systemId?: number;
}

/** VTG, Track made good and Ground speed, either form. Speed in m/s. */
export interface VtgSentence extends Tagged {
  type: 'VTG';
  course?: number;
  courseMagnetic?: number;
  speed?: number;
  mode?: FaaMode;
}

/** ZDA, UTC time and date (4-digit year). */
export interface ZdaSentence extends Tagged {
  type: 'ZDA';
  time?: number;
  date?: CalendarDate;
  /** Local zone offset, minutes. */
  zoneMinutes?: number;
}

/** GLL, Geographic Position. */
export interface GllSentence extends Tagged {
  type: 'GLL';
  lat?: number;
  lon?: number;
  time?: number;
  status?: 'A' | 'V';
  mode?: FaaMode;
}

export type NmeaSentence = RmcSentence | GgaSentence | GsaSentence | VtgSentence | ZdaSentence | GllSentence;
export type NmeaSentenceType = NmeaSentence['type'];

/**
 * Why a line is not a sentence: `checksum` (wrong), `no-checksum`, `malformed` (not the sentence's
 * form; `detail` says which field), `unsupported` (a well-formed sentence of another type —
 * GSV, proprietary `P…`, AIS `!…` — counted apart from errors; `detail` is its tag).
 */
export interface NmeaError {
  error: 'checksum' | 'no-checksum' | 'malformed' | 'unsupported';
  detail?: string;
}

export interface ParseOptions {
  /** Refuse a sentence without `*hh` (default true; see the module comment). */
  requireChecksum?: boolean;
}

/**
 * The checksum of a sentence body (everything between `$` and `*`): the 8-bit XOR of its
 * characters, as two upper-case hex digits (NMEA.adoc, "NMEA Encoding Conventions").
 */
export function nmeaChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

/** One line to a sentence, or why not. Trailing CR/LF are ignored. */
export function parseSentence(line: string, options: ParseOptions = {}): NmeaSentence | NmeaError {
  const text = line.replace(/[\r\n]+$/, '');
  const start = text[0];
  if (start !== '$' && start !== '!') return { error: 'malformed', detail: 'does not start with $ or !' };
  // The data is ASCII with the high bit zeroed ("NMEA 0183 physical protocol layer").
  if (!/^[\x20-\x7e]*$/.test(text)) return { error: 'malformed', detail: 'not printable ASCII' };
  const star = text.indexOf('*');
  let body: string;
  if (star < 0) {
    if (options.requireChecksum ?? true) return { error: 'no-checksum' };
    body = text.slice(1);
  } else {
    // The checksum is the last field: exactly two hex digits after the one `*`.
    const sum = text.slice(star + 1);
    if (!/^[0-9A-Fa-f]{2}$/.test(sum)) return { error: 'checksum', detail: 'not two hex digits after *' };
    body = text.slice(1, star);
    if (nmeaChecksum(body) !== sum.toUpperCase()) return { error: 'checksum' };
  }
  const fields = body.split(',');
  const tag = fields[0]!;
  // Proprietary tags are `P` + a maker's code + their own type (PGRME, PMTK001, PUBX).
  if (!/^[A-Z][A-Z0-9]{1,9}$/.test(tag)) return { error: 'malformed', detail: `tag ${JSON.stringify(tag.slice(0, 12))}` };
  if (start === '!' || tag.startsWith('P')) return { error: 'unsupported', detail: tag };
  if (!/^[A-Z]{2}[A-Z]{3}$/.test(tag)) return { error: 'malformed', detail: `tag ${tag}` };
  const talker = tag.slice(0, 2);
  const type = tag.slice(2);
  const read = Object.hasOwn(READERS, type) ? READERS[type] : undefined;
  if (!read) return { error: 'unsupported', detail: tag };
  try {
    return read(talker, fields);
  } catch (err) {
    if (err instanceof FieldError) return { error: 'malformed', detail: `${type} ${err.message}` };
    throw err;
  }
}

type Reader = (talker: string, f: string[]) => NmeaSentence;

/** At least `n` data fields after the tag, or the sentence was cut short. */
function need(f: string[], n: number): void {
  if (f.length - 1 < n) throw new FieldError(`${f.length - 1} fields, at least ${n} expected`);
}

/** Drops undefined members, so a sentence holds only what the receiver sent. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const READERS: Record<string, Reader> = {
  /** NMEA.adoc "RMC": 1 time, 2 status, 3–6 lat/lon, 7 knots, 8 track, 9 ddmmyy, 10–11 magvar, 12 FAA (2.3+), 13 nav status (4.1+). */
  RMC: (talker, f) => {
    need(f, 9);
    const knots = unsigned(f[7], 'speed');
    const variation = unsigned(f[10], 'magvar');
    const varSign = letter(f[11], ['E', 'W'], 'magvar hemisphere') === 'W' ? -1 : 1;
    return defined<RmcSentence>({
      talker,
      type: 'RMC',
      time: timeOfDay(f[1]),
      status: letter(f[2], STATUS, 'status'),
      lat: angle(f[3], f[4], 'lat'),
      lon: angle(f[5], f[6], 'lon'),
      speed: knots === undefined ? undefined : knots * KNOTS_TO_MPS,
      course: course(f[8], 'track'),
      date: ddmmyy(f[9]),
      magVar: variation === undefined ? undefined : variation * varSign,
      mode: letter(f[12], FAA_MODES, 'FAA mode'),
    });
  },
  /** NMEA.adoc "GGA": 1 time, 2–5 lat/lon, 6 quality 0–8, 7 satellites, 8 HDOP, 9–10 altitude M, 11–12 geoid separation M. */
  GGA: (talker, f) => {
    need(f, 6);
    const altUnit = f[10];
    if (altUnit && altUnit !== 'M') throw new FieldError(`altitude unit ${JSON.stringify(altUnit.slice(0, 4))}`);
    return defined<GgaSentence>({
      talker,
      type: 'GGA',
      time: timeOfDay(f[1]),
      lat: angle(f[2], f[3], 'lat'),
      lon: angle(f[4], f[5], 'lon'),
      quality: int(f[6], 'quality', 0, 8),
      sats: int(f[7], 'satellites', 0, 99),
      hdop: unsigned(f[8], 'HDOP'),
      alt: num(f[9], 'altitude'),
      geoidSep: num(f[11], 'geoid separation'),
    });
  },
  /** NMEA.adoc "GSA": 1 selection M/A, 2 mode 1/2/3, 3–14 satellite IDs, 15 PDOP, 16 HDOP, 17 VDOP, 18 system ID (4.11). */
  GSA: (talker, f) => {
    need(f, 2);
    const prns: number[] = [];
    for (let i = 3; i <= 14 && i < f.length; i++) {
      const id = int(f[i], `satellite ${i - 2}`, 0, 999);
      if (id !== undefined) prns.push(id);
    }
    return defined<GsaSentence>({
      talker,
      type: 'GSA',
      selection: letter(f[1], ['A', 'M'], 'selection mode'),
      fixType: int(f[2], 'mode', 1, 3) as 1 | 2 | 3 | undefined,
      prns,
      pdop: unsigned(f[15], 'PDOP'),
      hdop: unsigned(f[16], 'HDOP'),
      vdop: unsigned(f[17], 'VDOP'),
      systemId: int(f[18], 'system ID', 0, 15),
    });
  },
  /**
   * NMEA.adoc "VTG": the new form (`x.x,T,x.x,M,x.x,N,x.x,K[,m]`) is told from the old one
   * (`x.x,x.x,x.x,x.x`: true course, magnetic course, knots, km/h) by the fixed `T` in field 2.
   * Speed from knots (as RMC), else from km/h.
   */
  VTG: (talker, f) => {
    need(f, 4);
    const modern = f[2] === 'T';
    const [c, cm, kn, kmh, mode] = modern ? [f[1], f[3], f[5], f[7], f[9]] : [f[1], f[2], f[3], f[4], undefined];
    const knots = unsigned(kn, 'speed knots');
    const kph = unsigned(kmh, 'speed km/h');
    return defined<VtgSentence>({
      talker,
      type: 'VTG',
      course: course(c, 'course'),
      courseMagnetic: course(cm, 'magnetic course'),
      speed: knots !== undefined ? knots * KNOTS_TO_MPS : kph !== undefined ? kph * KMH_TO_MPS : undefined,
      mode: letter(mode, FAA_MODES, 'FAA mode'),
    });
  },
  /** NMEA.adoc "ZDA": 1 time, 2 day, 3 month, 4 year (4 digits), 5 zone hours, 6 zone minutes (same sign). */
  ZDA: (talker, f) => {
    need(f, 4);
    const day = int(f[2], 'day', 0, 31);
    const month = int(f[3], 'month', 0, 12);
    const year = int(f[4], 'year', 0, 9999);
    const zh = num(f[5], 'zone hours');
    const zm = int(f[6], 'zone minutes', 0, 59);
    const zone = zh === undefined ? undefined : zh * 60 + (zh < 0 || f[5]!.startsWith('-') ? -1 : 1) * (zm ?? 0);
    return defined<ZdaSentence>({
      talker,
      type: 'ZDA',
      time: timeOfDay(f[1]),
      date: day === undefined || month === undefined || year === undefined || year === 0 ? undefined : calendarDate(year, month, day, 'date'),
      zoneMinutes: zone,
    });
  },
  /** NMEA.adoc "GLL": 1–4 lat/lon, 5 time, 6 status A/V, 7 FAA mode (2.3+). */
  GLL: (talker, f) => {
    need(f, 4);
    return defined<GllSentence>({
      talker,
      type: 'GLL',
      lat: angle(f[1], f[2], 'lat'),
      lon: angle(f[3], f[4], 'lon'),
      time: timeOfDay(f[5]),
      status: letter(f[6], STATUS, 'status'),
      mode: letter(f[7], FAA_MODES, 'FAA mode'),
    });
  },
};

/** Whether `parseSentence` gave an error. */
export function isNmeaError(r: NmeaSentence | NmeaError): r is NmeaError {
  return 'error' in r;
}
