/**
 * AVL traces for the accuracy harness: CSV text in, vehicle fixes out. Pure (no file I/O).
 *
 * Columns, by header name (any order; other columns are ignored):
 *   vehicle_id  required, non-empty
 *   timestamp   required: ISO 8601 with a UTC offset (`2026-02-16T10:58:07-05:00`, `…Z`), or
 *               epoch seconds (`1771257487`, decimals allowed). A local time without an offset is
 *               refused: which zone it meant cannot be known.
 *   lat, lon    required, decimal degrees, −90…90 and −180…180
 *   bearing     optional, degrees 0…360 (360 is read as 0)
 *   trip_id, block_id  optional
 * RFC 4180 CSV through csv-parse, UTF-8 with an optional BOM. A row with a bad value is skipped
 * with a problem naming its line and the field; the rest are returned sorted by time (stable:
 * rows at the same time keep the file's order).
 */
import { parse } from 'csv-parse/sync';

export interface AvlRow {
  vehicleId: string;
  /** the fix's time, ms since the epoch */
  time: number;
  lat: number;
  lon: number;
  /** degrees clockwise from north, 0…360 */
  bearing?: number;
  tripId?: string;
  blockId?: string;
}

export interface AvlProblem {
  /** the line in the text (1 is the header); 0 when the problem is not about one line */
  line: number;
  message: string;
}

export interface AvlParse {
  rows: AvlRow[];
  problems: AvlProblem[];
}

const REQUIRED = ['vehicle_id', 'timestamp', 'lat', 'lon'] as const;

/** One record past this is a broken quote swallowing the file, not a row. */
const MAX_RECORD_CHARS = 64 * 1024;

/** Past this, further problems are counted in one last message rather than listed. */
const MAX_PROBLEMS = 1000;

export function parseAvlCsv(text: string): AvlParse {
  const rows: { row: AvlRow; order: number }[] = [];
  const problems: AvlProblem[] = [];
  let dropped = 0;
  const problem = (line: number, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
    else dropped++;
  };
  let columns: Map<string, number> | null = null;
  let unusable = false;
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      skip_records_with_error: true,
      on_skip: (err) => {
        problem(typeof err?.lines === 'number' ? err.lines : 0, `not CSV: ${clip(err?.message ?? 'unreadable record', 200)}; row skipped`);
        return undefined;
      },
      on_record: (record: string[], context) => {
        // csv-parse counts lines to the record's end; a quoted value may hold line breaks.
        const line = context.lines - record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
        if (columns === null) {
          columns = readHeader(record, problem);
          unusable = columns === null;
          columns ??= new Map();
        } else if (!unusable) {
          const row = readRow(columns, record, line, problem);
          if (row) rows.push({ row, order: rows.length });
        }
        return null;
      },
    });
  } catch (err) {
    // Past this (a quote never closed, say) nothing more can be read; the rows before it stand.
    const line = (err as { lines?: unknown }).lines;
    problem(typeof line === 'number' ? line : 0, `not CSV: ${clip((err as Error).message, 200)}; the rest of the text is not read`);
  }
  if (columns === null) problem(1, 'empty: no header line');
  if (dropped) problems.push({ line: 0, message: `${dropped} more problem${dropped > 1 ? 's' : ''} not listed` });
  rows.sort((a, b) => a.row.time - b.row.time || a.order - b.order);
  return { rows: rows.map((r) => r.row), problems };
}

function readHeader(names: string[], problem: (line: number, message: string) => void): Map<string, number> | null {
  const columns = new Map<string, number>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (columns.has(name)) problem(1, `column ${name} appears twice; the first is read`);
    else columns.set(name, i);
  });
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length) {
    problem(1, `required column${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}; no row is read`);
    return null;
  }
  return columns;
}

function readRow(columns: Map<string, number>, record: string[], line: number, problem: (line: number, message: string) => void): AvlRow | null {
  const cell = (name: string) => {
    const i = columns.get(name);
    return i === undefined ? '' : (record[i] ?? '').trim();
  };
  const fail = (field: string, message: string) => {
    problem(line, `${field} ${message}; row skipped`);
    return null;
  };
  const vehicleId = cell('vehicle_id');
  if (!vehicleId) return fail('vehicle_id', 'is empty');
  const stamp = cell('timestamp');
  if (!stamp) return fail('timestamp', 'is empty');
  const time = parseTimestamp(stamp);
  if (typeof time === 'string') return fail('timestamp', `"${clip(stamp, 40)}": ${time}`);
  const lat = decimal(cell('lat'));
  if (lat === null) return fail('lat', cell('lat') ? `"${clip(cell('lat'), 40)}" is not a number` : 'is empty');
  if (lat < -90 || lat > 90) return fail('lat', `${lat} is out of range (−90 to 90)`);
  const lon = decimal(cell('lon'));
  if (lon === null) return fail('lon', cell('lon') ? `"${clip(cell('lon'), 40)}" is not a number` : 'is empty');
  if (lon < -180 || lon > 180) return fail('lon', `${lon} is out of range (−180 to 180)`);
  const row: AvlRow = { vehicleId, time, lat, lon };
  const bearingText = cell('bearing');
  if (bearingText) {
    const bearing = decimal(bearingText);
    if (bearing === null) return fail('bearing', `"${clip(bearingText, 40)}" is not a number`);
    if (bearing < 0 || bearing > 360) return fail('bearing', `${bearing} is out of range (0 to 360)`);
    row.bearing = bearing === 360 ? 0 : bearing;
  }
  const tripId = cell('trip_id');
  if (tripId) row.tripId = tripId;
  const blockId = cell('block_id');
  if (blockId) row.blockId = blockId;
  return row;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function decimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH_S = /^\d+(?:\.\d+)?$/;
/** Epoch seconds past this (the year 5138) are milliseconds or garbage. */
const MAX_EPOCH_S = 1e11;

/** ms since the epoch, or why not. */
export function parseTimestamp(text: string): number | string {
  if (EPOCH_S.test(text)) {
    const s = Number(text);
    if (s >= MAX_EPOCH_S) return 'too large for epoch seconds (milliseconds?)';
    return Math.round(s * 1000);
  }
  const m = ISO.exec(text);
  if (!m) return 'not ISO 8601 (2026-02-16T10:58:07-05:00) nor epoch seconds';
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  if (!zone) return 'has no UTC offset (Z or ±hh:mm), so its zone is unknown';
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return 'no such date';
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return 'no such time of day';
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    if (oh > 23 || om > 59) return 'no such UTC offset';
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Math.round(Number(`0.${frac || '0'}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
  // Date.UTC maps years 0–99 to 1900–1999; a four-digit year below 100 is not a fix's time anyway.
  if (year < 1970) return 'before 1970';
  return utc - offsetMin * 60_000;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
