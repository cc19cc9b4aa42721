/**
 * What a simulated receiver writes each second: RMC, GGA and GSA, as gpsd's NMEA.adoc describes
 * them, with their checksums from protocols/nmea's `nmeaChecksum`. The reading side is the real
 * decoder, so these sentences must look like a receiver's, not like what our parser happens to take.
 *
 *   RMC  time, status A, lat, N/S, lon, E/W, speed (knots), track (° true), date ddmmyy,
 *        magnetic variation (empty), E/W (empty), FAA mode A (autonomous)
 *   GGA  time, lat, N/S, lon, E/W, quality 1 (GPS fix), satellites, HDOP, altitude, M,
 *        geoid separation, M, DGPS age (empty), DGPS station (empty)
 *   GSA  A (automatic 2D/3D), fix type 3, twelve satellite PRN fields, PDOP, HDOP, VDOP
 */
import { nmeaChecksum } from '../../protocols/index.js';

/** One second of a receiver's output. */
export interface TalkerEpoch {
  /** Milliseconds since the epoch, UTC; written to 1/100 s as receivers do. */
  timeMs: number;
  lat: number;
  lon: number;
  speedMps: number;
  courseDeg: number;
  altitudeM: number;
  /** Satellites used in the fix (1–12 are written in GSA). */
  sats: number;
  hdop: number;
}

/** Knots per metre per second: 1 kn is 1852 m an hour (NMEA speeds are in knots). */
export const KNOTS_PER_MPS = 3600 / 1852;
/** The geoid's height above the WGS-84 ellipsoid written in GGA; about right for Slovenia. */
const GEOID_SEPARATION_M = 46.9;
/** PRNs a receiver might report in GSA. */
const PRNS = [2, 5, 7, 9, 11, 13, 15, 18, 20, 24, 28, 30];

/** `$` + body + `*` + checksum + CRLF. */
export function sentence(body: string): string {
  return `$${body}*${checksumText(body)}\r\n`;
}

/** The checksum as NMEA writes it: two upper-case hex digits. */
export function checksumText(body: string): string {
  const sum: unknown = nmeaChecksum(body);
  return typeof sum === 'number' ? sum.toString(16).toUpperCase().padStart(2, '0') : String(sum).toUpperCase().padStart(2, '0');
}

/** RMC, GGA and GSA for one epoch, in that order. */
export function epochSentences(e: TalkerEpoch): string[] {
  const d = new Date(Math.round(e.timeMs / 10) * 10);
  const time = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.${two(Math.floor(d.getUTCMilliseconds() / 10))}`;
  const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
  const lat = latitude(e.lat);
  const lon = longitude(e.lon);
  const sats = Math.max(0, Math.min(99, Math.round(e.sats)));
  const hdop = e.hdop.toFixed(1);
  const used = PRNS.slice(0, Math.min(12, sats)).map((p) => two(p));
  while (used.length < 12) used.push('');
  const vdop = (e.hdop * 1.4).toFixed(1);
  const pdop = Math.hypot(e.hdop, e.hdop * 1.4).toFixed(1);
  return [
    sentence(`GPRMC,${time},A,${lat},${lon},${(e.speedMps * KNOTS_PER_MPS).toFixed(2)},${e.courseDeg.toFixed(1)},${date},,,A`),
    sentence(`GPGGA,${time},${lat},${lon},1,${two(sats)},${hdop},${e.altitudeM.toFixed(1)},M,${GEOID_SEPARATION_M.toFixed(1)},M,,`),
    sentence(`GPGSA,A,3,${used.join(',')},${pdop},${hdop},${vdop}`),
  ];
}

/** `ddmm.mmmmm,N` (five decimals of a minute: about 2 cm). */
export function latitude(deg: number): string {
  return `${degreesMinutes(Math.abs(deg), 2)},${deg < 0 ? 'S' : 'N'}`;
}

/** `dddmm.mmmmm,E`. */
export function longitude(deg: number): string {
  return `${degreesMinutes(Math.abs(deg), 3)},${deg < 0 ? 'W' : 'E'}`;
}

function degreesMinutes(abs: number, degreeDigits: number): string {
  let whole = Math.floor(abs);
  let minutes = Number(((abs - whole) * 60).toFixed(5));
  if (minutes >= 60) {
    whole += 1;
    minutes -= 60;
  }
  return `${String(whole).padStart(degreeDigits, '0')}${minutes.toFixed(5).padStart(8, '0')}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}
