/**
 * NMEA 0183 field readers: time of day, dates, latitude/longitude, numbers. Pure; each returns
 * `undefined` for an empty field (NMEA.adoc, "NMEA Encoding Conventions": a field is left empty when
 * the receiver has no valid data for it) and throws `FieldError` for one it cannot read, which
 * `parseSentence` turns into `{ error: 'malformed' }`.
 */

export class FieldError extends Error {}

/** A UTC calendar day. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export const KNOTS_TO_MPS = 0.514444;
export const KMH_TO_MPS = 1 / 3.6;
export const DAY_MS = 86_400_000;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/** A decimal number, as NMEA writes them ("x.x"; digits after the point are model dependent). */
export function num(field: string | undefined, name: string): number | undefined {
  if (field === undefined || field === '') return undefined;
  if (!NUMBER.test(field)) throw new FieldError(`${name}: not a number`);
  return Number(field);
}

/** A number that may not be negative (speeds, DOPs, courses, counts). */
export function unsigned(field: string | undefined, name: string): number | undefined {
  const n = num(field, name);
  if (n !== undefined && n < 0) throw new FieldError(`${name}: negative`);
  return n;
}

/** A whole number in [lo, hi]. */
export function int(field: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (field === undefined || field === '') return undefined;
  if (!/^\d+$/.test(field)) throw new FieldError(`${name}: not a whole number`);
  const n = Number(field);
  if (n < lo || n > hi) throw new FieldError(`${name}: ${n} outside ${lo}..${hi}`);
  return n;
}

/** Degrees true in [0, 360): some receivers write 360.0 for north. */
export function course(field: string | undefined, name: string): number | undefined {
  const n = unsigned(field, name);
  if (n === undefined) return undefined;
  if (n > 360) throw new FieldError(`${name}: above 360`);
  return n === 360 ? 0 : n;
}

/**
 * UTC time of day `hhmmss.ss` as milliseconds since midnight. The digits after the point are model
 * dependent (NMEA.adoc, GGA: "The number of digits past the decimal point for Time … is model
 * dependent"); second 60 is a leap second.
 */
export function timeOfDay(field: string | undefined, name = 'time'): number | undefined {
  if (field === undefined || field === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2})(?:\.(\d*))?$/.exec(field);
  if (!m) throw new FieldError(`${name}: not hhmmss.ss`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3]);
  if (h > 23 || min > 59 || s > 60) throw new FieldError(`${name}: ${field} is not a time of day`);
  const frac = m[4] ? Math.round(Number(`0.${m[4]}`) * 1000) : 0;
  return ((h * 60 + min) * 60 + s) * 1000 + frac;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A calendar date, checked; `undefined` when a receiver without a date writes zeros. */
export function calendarDate(year: number, month: number, day: number, name: string): CalendarDate | undefined {
  if (month === 0 || day === 0) return undefined;
  if (month > 12 || day > daysIn(year, month)) throw new FieldError(`${name}: ${year}-${month}-${day} is not a date`);
  return { year, month, day };
}

/**
 * RMC's `ddmmyy`. The century is not sent: years 80–99 are 1980–1999 (GPS time starts on
 * 1980-01-06, NMEA.adoc "Dates and times"), 00–79 are 2000–2079. A receiver that has no date yet
 * sends an empty field or zeros (`000000`): undefined.
 */
export function ddmmyy(field: string | undefined, name = 'date'): CalendarDate | undefined {
  if (field === undefined || field === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(field);
  if (!m) throw new FieldError(`${name}: not ddmmyy`);
  const yy = Number(m[3]);
  return calendarDate(yy >= 80 ? 1900 + yy : 2000 + yy, Number(m[2]), Number(m[1]), name);
}

/**
 * Latitude `ddmm.mm…` or longitude `dddmm.mm…` with its hemisphere, as signed decimal degrees.
 * NMEA.adoc, "NMEA Encoding Conventions": the two digits left of the point are whole minutes, the
 * digits right of it decimals of minutes (any number of them: 2 to 8 are seen), the digits before
 * the minutes whole degrees. S and W are negative. Empty value: undefined (the hemisphere letter
 * alone, as in `,,S,`, means nothing); a value without its hemisphere is malformed.
 */
export function angle(value: string | undefined, hemisphere: string | undefined, axis: 'lat' | 'lon'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d+)(\d{2}(?:\.\d*)?)$/.exec(value);
  if (!m) throw new FieldError(`${axis}: not ${axis === 'lat' ? 'ddmm.mm' : 'dddmm.mm'}`);
  const degrees = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes >= 60) throw new FieldError(`${axis}: ${minutes} minutes`);
  const abs = degrees + minutes / 60;
  const [pos, neg, max] = axis === 'lat' ? ['N', 'S', 90] : ['E', 'W', 180];
  if (hemisphere !== pos && hemisphere !== neg) throw new FieldError(`${axis}: hemisphere ${JSON.stringify(hemisphere ?? '')}, not ${pos} or ${neg}`);
  if (abs > max) throw new FieldError(`${axis}: ${abs}° beyond ${max}`);
  return hemisphere === neg ? -abs : abs;
}

/** One letter of a fixed set (status A/V, FAA mode, selection mode); empty: undefined. */
export function letter<T extends string>(field: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (field === undefined || field === '') return undefined;
  if (!(allowed as readonly string[]).includes(field)) throw new FieldError(`${name}: ${JSON.stringify(field.slice(0, 8))}`);
  return field as T;
}
