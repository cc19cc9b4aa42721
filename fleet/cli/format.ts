/**
 * How the CLI shows the fleet's answers to a person: tables as plain aligned columns (no borders;
 * colour only for presence and status, only on a terminal), relative ages, and the multi-section
 * view of one device. Pure functions of the API's
 * JSON; the types are the HTTP API's own, so a change there fails the type-check here.
 */
import type { Birth, Frame, State } from '../../protocols/index.js';
import type { CommandRecord } from '../commands.js';
import type { DeviceConfigRecord } from '../device-config.js';
import type { deviceSummary } from '../http/routes.js';
import type { StreamStatus } from '../ingest.js';

/** A device as `GET /api/devices` lists it. */
export type DeviceSummary = ReturnType<typeof deviceSummary>;

/** A device as `GET /api/devices/:id` shows it. */
export interface DeviceDetail extends DeviceSummary {
  birth: Birth | null;
  state: State | null;
  frame: Frame | null;
  streams: StreamStatus[];
  commands: CommandRecord[];
  configDetail: DeviceConfigRecord;
}

export interface Style {
  colour: boolean;
  now: number;
  /** Print a table's header row (false with --no-headers, for scripts). */
  headers?: boolean;
}

export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Style {
  return { colour: Boolean(stream.isTTY) && !env.NO_COLOR, now: Date.now(), headers: true };
}

const COLOURS: Record<string, number> = {
  online: 32, succeeded: 32, applied: 32, ok: 32,
  offline: 31, failed: 31, rejected: 31, expired: 31, error: 31,
  stale: 33, queued: 33, sent: 33, pending: 33, never: 90,
};

/** A presence or status word in its colour on a terminal; the word unchanged otherwise. */
export function status(word: string, style: Style): string {
  const code = COLOURS[word];
  return style.colour && code ? `\x1b[${code}m${word}\x1b[39m` : word;
}

const visible = (s: string) => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;

/**
 * The one table every command prints: columns padded to their widest cell, two spaces apart,
 * numbers to the right (a column of numbers may have '-' for none); no borders, so `grep`, `awk`
 * and `cut` read it; no header row when the style says `headers: false` (--no-headers). A cell
 * may hold a colour from `status()`, which does not count towards its width.
 */
export function table(head: string[], rows: (string | number)[][], style: Style): string {
  const body = rows.map((r) => head.map((_, i) => (r[i] === undefined ? '' : String(r[i]))));
  const cells = style.headers === false ? body : [head, ...body];
  const numeric = head.map((_, i) => rows.some((r) => typeof r[i] === 'number') && rows.every((r) => typeof r[i] === 'number' || r[i] === '-'));
  const width = head.map((_, i) => Math.max(0, ...cells.map((r) => visible(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(width[i]! - visible(s));
    return numeric[i] ? fill + s : s + fill;
  };
  return cells.map((r) => r.map(pad).join('  ').trimEnd()).join('\n');
}

/** Under these keys a value is someone's own document (command args and results, settings, labels, log fields, flows): kept as it is. */
const OPAQUE_KEYS = new Set(['args', 'result', 'desired', 'settings', 'labels', 'fields', 'flows', 'body']);
/** Keys that hold a time: `ts`, `lastSeen`, `since`, and every `…At` (issuedAt, expiresAt, desiredAt, …). */
const TIME_KEY = /^(?:ts|lastSeen|since)$|[a-z]At$/;
/** Below this a number under a time key is not milliseconds since the epoch (it would be before 1973). */
const EPOCH_MS_FLOOR = 1e11;

/**
 * A value as `--json` prints it: one time format, ISO 8601. Some of the fleet's answers carry
 * times as milliseconds since the epoch (a command's issuedAt/updatedAt/expiresAt, a config's
 * desiredAt/reportedAt, a birth's or heartbeat's ts); those become ISO 8601 strings here, at the
 * one place every `--json` passes. Only numbers under a time key change, never inside an opaque
 * document.
 */
export function isoTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isoTimes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (OPAQUE_KEYS.has(k)) return [k, v];
      if (typeof v === 'number' && TIME_KEY.test(k) && v >= EPOCH_MS_FLOOR && v < 8.64e15) return [k, new Date(v).toISOString()];
      return [k, isoTimes(v)];
    }),
  );
}

/** "12s ago", "4m ago", "3h ago", "2d ago"; "never" for null. */
export function age(when: string | number | null | undefined, now: number): string {
  if (when === null || when === undefined) return 'never';
  const t = typeof when === 'number' ? when : Date.parse(when);
  if (Number.isNaN(t)) return '?';
  return `${duration(Math.max(0, now - t))} ago`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Desired versus reported config version, in words: "v2 applied", "v3 pending (v2 applied)". */
export function configState(c: { desired: number; reported: number | null; error: string | null }): string {
  if (c.error) return `v${c.desired} rejected`;
  if (c.desired === 0) return c.reported ? `v${c.reported} applied` : '-';
  if (c.reported === c.desired) return `v${c.desired} applied`;
  return `v${c.desired} pending${c.reported ? ` (v${c.reported} applied)` : ''}`;
}

export function devicesTable(devices: DeviceSummary[], style: Style): string {
  if (devices.length === 0) return 'no devices yet: tabla provision <deviceId> --role <role>';
  const rows = devices.map((d) => [
    d.id,
    d.role,
    d.site ?? '-',
    status(d.presence, style),
    age(d.lastSeen, style.now),
    d.outbox ? d.outbox.depth : '-',
    d.versions.agent ?? '-',
    configState(d.config),
    d.faults.length ? d.faults.map((f) => f.code).join(', ') : '-',
  ]);
  return table(['id', 'role', 'site', 'presence', 'last seen', 'outbox', 'agent', 'config', 'faults'], rows, style);
}

function section(title: string, lines: [string, string | number][]): string {
  const width = Math.max(...lines.map(([k]) => k.length));
  return [title, ...lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

export function commandLine(c: CommandRecord): string {
  return `${c.cmdId}  ${c.verb} → ${c.deviceId}: ${c.status}`;
}

export function commandsTable(commands: CommandRecord[], style: Style): string {
  const rows = commands.map((c) => [
    c.cmdId.slice(0, 8),
    c.verb,
    status(c.status, style),
    age(c.issuedAt, style.now),
    c.error ?? (c.result === undefined ? '' : JSON.stringify(c.result)),
  ]);
  return table(['cmd', 'verb', 'status', 'issued', 'result / error'], rows, style);
}

export function deviceView(d: DeviceDetail, style: Style): string {
  const h = d.state?.health;
  const parts = [
    // First: what the technician must act on.
    d.faults.length ? section('FAULTS', d.faults.map((f) => [f.code, `${f.message} (since ${age(f.since, style.now)}, ${f.count}×)`])) : '',
    section('Identity', [
      ['id', d.id],
      ['role', d.role],
      ['site', d.site ?? '-'],
      ['labels', Object.entries(d.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '-'],
      ['versions', Object.entries(d.versions).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
    ]),
    section('Presence', [
      ['presence', d.presence],
      ['last seen', age(d.lastSeen, style.now)],
      ['session', d.epoch || '-'],
      ['heartbeat', d.birth ? `${d.birth.heartbeatS}s` : '-'],
    ]),
    h
      ? section('Health', [
          ['cpu load', h.cpuLoad1.toFixed(2)],
          ['memory', `${bytes(h.memUsedBytes)} of ${bytes(h.memTotalBytes)}`],
          ['disk free', bytes(h.diskFreeBytes)],
          ['temperature', h.temperatureC === undefined ? '-' : `${h.temperatureC.toFixed(1)} °C`],
          ['uptime', duration(h.uptimeS * 1000)],
          ...(d.state?.clock ? [['clock steps', `${d.state.clock.steps} (last ${Math.round(d.state.clock.lastStepMs / 1000)} s)`] as [string, string]] : []),
          ...(d.state?.crashes ? [['crashes', d.state.crashes] as [string, number]] : []),
        ])
      : 'Health\n  (no heartbeat yet)',
    d.outbox
      ? section('Outbox', [
          ['depth', d.outbox.depth],
          ['oldest', d.outbox.oldestAgeS === null ? '-' : duration(d.outbox.oldestAgeS * 1000)],
          ['dropped', d.outbox.dropped],
        ])
      : 'Outbox\n  (not reported yet)',
    d.state?.modules
      ? section(
          'Modules',
          Object.entries(d.state.modules).map(([name, m]) => [name, m.error ? `${m.status}: ${m.error}` : m.status]),
        )
      : '',
    'Streams\n' +
      (d.streams.length
        ? table(['stream', 'hwm', 'max seq', 'stored', 'gaps', 'duplicates', 'lost'], d.streams.map((s) => [s.stream, s.hwm, s.maxSeq, s.stored, s.gaps, s.duplicates, s.lost]), style)
        : '  (no telemetry yet)'),
    'Recent commands\n' + (d.commands.length ? commandsTable(d.commands, style) : '  (none)'),
    configView(d.configDetail, style),
    d.frame ? section('Showing', [['frame', `${d.frame.kind}: ${d.frame.summary}`], ['since', age(d.frame.ts, style.now)]]) : '',
  ];
  return parts.filter(Boolean).join('\n\n');
}

export function configView(c: DeviceConfigRecord, style: Style): string {
  const lines: [string, string | number][] = [
    ['state', configState({ desired: c.desiredVersion, reported: c.reportedVersion, error: c.reportedError })],
    ['desired', c.desiredVersion ? `v${c.desiredVersion}, set ${age(c.desiredAt, style.now)}` : 'none set'],
    ['reported', c.reportedVersion === null ? 'nothing yet' : `v${c.reportedVersion}, ${age(c.reportedAt, style.now)}`],
  ];
  if (c.reportedError) lines.push(['error', c.reportedError]);
  const settings = c.desired ? '\n  settings\n' + indent(JSON.stringify(c.desired, null, 2), 4) : '';
  return section('Config', lines) + settings;
}

function indent(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}
