/**
 * `tabla gnss decode <file|device> [--baud N] [--json] [--date-floor YYYY-MM-DD]`: NMEA 0183 from a
 * GNSS receiver, decoded by protocols/nmea into gated fixes — from a recorded log, or live from a
 * serial port until Ctrl-C. Needs no fleet: a technician's bench tool for a bus's receiver.
 *
 * A character device (or a path under /dev that does not exist as a file or pipe) is opened with
 * serialport at --baud (9600); anything else is read as a file (a pipe too: /dev/stdin).
 * Output: an aligned table, and after a file (or Ctrl-C) a summary of fixes, refusals by reason,
 * unsupported sentences and noise bytes; with --json one JSON line per fix,
 * `{time, lat, lon, speed, course, fix, hdop, sats}` (absent values null), nothing else.
 * Exit 0 ok, 1 cannot open or read the source (or the device went away), 2 usage.
 */
import fs from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { type GnssFix, NmeaDecoder, type NmeaDecoderOptions } from '../../../protocols/index.js';
import { noHeadersOption, positiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { examples } from '../help.js';

interface DecodeFlags {
  baud: number;
  json?: boolean;
  headers: boolean;
  dateFloor?: number;
}

/** `YYYY-MM-DD` as ms since the epoch (UTC midnight). */
function isoDate(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new InvalidArgumentError('must be a date, YYYY-MM-DD');
  return ms;
}

export function register(program: Command, ctx: CliContext): void {
  const gnss = program
    .command('gnss')
    .description("decode <file|device>: a GNSS receiver's NMEA 0183, from a log or a serial port")
    .addHelpText('after', examples(['tabla gnss decode bus-01.nmea', 'tabla gnss decode /dev/ttyUSB0 --baud 4800']));

  gnss
    .command('decode')
    .description('decode NMEA 0183 into fixes (one per receiver cycle; no fix, status V and impossible jumps dropped)')
    .argument('<source>', 'a log file, or a serial device such as /dev/ttyUSB0 or /dev/serial0 (read until Ctrl-C)')
    .option('--baud <n>', 'serial speed of a device', positiveInt, 9600)
    .option('--json', 'one JSON line per fix: {time, lat, lon, speed, course, fix, hdop, sats}')
    .option('--date-floor <YYYY-MM-DD>', 'earliest believable date; earlier ones are GPS week rollovers (default: the build year minus one; lower it for old logs)', isoDate)
    .addOption(noHeadersOption())
    .addHelpText(
      'after',
      examples(
        ['tabla gnss decode bus-01.nmea', 'tabla gnss decode /dev/ttyUSB0 --baud 4800', 'tabla gnss decode old-receiver.log --date-floor 2010-01-01 --json', 'cat bus-01.nmea | tabla gnss decode /dev/stdin --no-headers'],
        'Needs no fleet. After a file (or Ctrl-C on a device) a summary: fixes, refusals by reason, unsupported\nsentences and noise bytes.',
      ),
    )
    .action((source: string, o: DecodeFlags) => decode(source, o, ctx));
}

/** A fix as `--json` prints it: always the same keys, absent values null. */
export function fixJson(f: GnssFix): Record<string, string | number | null> {
  return { time: f.time, lat: f.lat, lon: f.lon, speed: f.speed ?? null, course: f.course ?? null, fix: f.fix, hdop: f.hdop ?? null, sats: f.sats ?? null };
}

const COLUMNS: { head: string; width: number; cell: (f: GnssFix) => string }[] = [
  { head: 'time (UTC)', width: 24, cell: (f) => f.time },
  { head: 'lat', width: 12, cell: (f) => f.lat.toFixed(7) },
  { head: 'lon', width: 13, cell: (f) => f.lon.toFixed(7) },
  { head: 'speed m/s', width: 9, cell: (f) => f.speed?.toFixed(2) ?? '-' },
  { head: 'course', width: 6, cell: (f) => f.course?.toFixed(1) ?? '-' },
  { head: 'fix', width: 3, cell: (f) => f.fix },
  { head: 'hdop', width: 5, cell: (f) => f.hdop?.toFixed(1) ?? '-' },
  { head: 'sats', width: 4, cell: (f) => f.sats?.toString() ?? '-' },
];

const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i]!.width) : c.padStart(COLUMNS[i]!.width))).join('  ').trimEnd();
export const tableHead = () => row(COLUMNS.map((c) => c.head));
export const tableRow = (f: GnssFix) => row(COLUMNS.map((c) => c.cell(f)));

const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

function summary(fixes: number, d: NmeaDecoder): string {
  const stats = d.stats;
  const lines = [
    `fixes: ${fixes}`,
    `rejected: ${counts(d.rejected)}`,
    `unsupported sentences: ${counts(stats.unsupported)}`,
    `noise bytes: ${stats.noiseBytes}`,
  ];
  if (stats.weekRollovers) lines.push(`week-rollover dates corrected: ${stats.weekRollovers}`);
  if (d.assembler.reanchors) lines.push(`jump gate restarted: ${d.assembler.reanchors}`);
  return lines.join('\n');
}

function isDevice(source: string): boolean {
  try {
    return fs.statSync(source).isCharacterDevice();
  } catch {
    return source.startsWith('/dev/');
  }
}

async function decode(source: string, o: DecodeFlags, ctx: CliContext): Promise<void> {
  const options: NmeaDecoderOptions = o.dateFloor === undefined ? {} : { dateFloor: o.dateFloor };
  const decoder = new NmeaDecoder(options);
  const print = (f: GnssFix) => ctx.out(o.json ? JSON.stringify(fixJson(f)) : tableRow(f));
  if (isDevice(source)) return live(source, o, decoder, print, ctx);

  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(source);
  } catch (err) {
    throw new Failure(`cannot open ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const fixes = [...decoder.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)), ...decoder.end()];
  if (o.json) {
    for (const f of fixes) print(f);
    return;
  }
  if (fixes.length) ctx.out([...(o.headers ? [tableHead()] : []), ...fixes.map(tableRow)].join('\n'));
  ctx.out(`${fixes.length ? '\n' : ''}${summary(fixes.length, decoder)}`);
}

/** Fixes from a serial port as they come, until Ctrl-C (exit 0) or the device goes away (exit 1). */
async function live(path: string, o: DecodeFlags, decoder: NmeaDecoder, print: (f: GnssFix) => void, ctx: CliContext): Promise<void> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: o.baud, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new Failure(`cannot open ${path}: ${err.message}`)) : resolve())),
  );
  if (!o.json) ctx.out(`${path} at ${o.baud} baud; Ctrl-C to stop${o.headers ? `\n${tableHead()}` : ''}`);
  let fixes = 0;
  await new Promise<void>((resolve, reject) => {
    let done = false;
    // An unplugged receiver (or a pty whose other end closed) hangs the tty up, and node-serialport
    // may never close the port for it (it reads end of file again and again: the device agents use
    // hardware/serial/port.ts for that); its device node going is seen here instead.
    const presence = setInterval(() => {
      if (!fs.existsSync(path)) finish(new Failure(`${path} is gone: the receiver was unplugged or its port closed`));
    }, 500);
    presence.unref();
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(presence);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const f of decoder.end()) {
        fixes++;
        print(f);
      }
      if (!o.json) ctx.out(`\n${summary(fixes, decoder)}`);
      if (port.isOpen) port.close(() => (err ? reject(err) : resolve()));
      else if (err) reject(err);
      else resolve();
    };
    const onSignal = () => finish();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    port.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        fixes++;
        print(f);
      }
    });
    port.on('error', (err: Error) => finish(new Failure(`${path}: ${err.message}`)));
    port.on('close', (err?: Error & { disconnected?: boolean }) => finish(err ? new Failure(`${path} closed: ${err.message}`) : undefined));
  });
}
