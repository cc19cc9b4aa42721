/**
 * Every payload of the wire contract: one zod schema per message gives its TypeScript type and its
 * validation. Payloads are UTF-8 JSON objects with `v: 1`. Nothing here does I/O.
 */
import { z } from 'zod';
import { LOG_LEVELS } from '../log.js';
import { NAME_PATTERN } from './topics.js';

const CONTRACT_VERSION = 1;
/** Largest payload either side accepts; anything bigger is refused before parsing. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** Most records one telemetry batch may carry. */
const MAX_BATCH_RECORDS = 1000;
/**
 * Deepest nesting of arrays and objects a payload may have. Deeper JSON parses, but every
 * recursive walk of it afterwards (JSON.stringify, a schema, a renderer) can overflow the stack:
 * refused at the border, before parsing.
 */
export const MAX_JSON_DEPTH = 32;

const v = z.literal(CONTRACT_VERSION);
const ts = z.number().int().nonnegative().describe('milliseconds since the Unix epoch');
const epoch = z.number().int().positive().describe('session epoch, raised on every connect');
const name = z.string().regex(NAME_PATTERN);
const outboxId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).describe('an outbox identity');

export const ROLES = ['bus', 'stop-display', 'parking-panel', 'car-park-counter', 'info-panel'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const ModuleStatus = z.object({
  status: z.enum(['starting', 'ok', 'degraded', 'failed', 'stopped']),
  error: z.string().max(500).optional(),
  failures: z.number().int().nonnegative().optional().describe('failures since the agent started (each restarted with backoff)'),
  display: z
    .object({
      refreshesLastHour: z.number().int().nonnegative(),
      partial: z.number().int().nonnegative().describe('partial refreshes since the agent started'),
      full: z.number().int().nonnegative().describe('full refreshes since the agent started'),
      lastRefreshMs: z.number().nonnegative().optional().describe("the last refresh's duration"),
      lastRefreshAt: z.number().int().optional().describe('when it ended, ms since the Unix epoch'),
      held: z.string().max(200).optional().describe('why refreshes are held now (temperature, quiet hours, a fault)'),
      live: z.boolean().optional().describe('false while the display shows its own timetable (no live board vouched for): the fallback'),
      talk: z
        .object({
          presses: z.number().int().nonnegative().describe('presses of the talking button since the module started'),
          spoken: z.number().int().nonnegative().describe('readings finished'),
          ignored: z.number().int().nonnegative().describe('presses while a reading was under way'),
          failures: z.number().int().nonnegative().describe('readings that failed, and a button that could not be started'),
          lastError: z.string().max(500).optional(),
        })
        .optional()
        .describe("the stop display's talking button, where it has one"),
    })
    .optional()
    .describe("an e-paper display module's refresh counts (and its talking button's)"),
});
export type ModuleStatus = z.infer<typeof ModuleStatus>;

export const Health = z.object({
  cpuLoad1: z.number().nonnegative().describe('1-minute load average divided by cores'),
  memUsedBytes: z.number().int().nonnegative(),
  memTotalBytes: z.number().int().nonnegative(),
  diskFreeBytes: z.number().int().nonnegative().optional(),
  temperatureC: z.number().optional(),
  uptimeS: z.number().nonnegative(),
});
export type Health = z.infer<typeof Health>;

export const OutboxStats = z.object({
  depth: z.number().int().nonnegative(),
  oldestAgeS: z.number().nonnegative().nullable(),
  dropped: z.number().int().nonnegative(),
});
export type OutboxStats = z.infer<typeof OutboxStats>;

/** Published once per session on connect. */
export const Birth = z.object({
  v,
  epoch,
  ts,
  role: Role,
  site: z.string().max(100).optional(),
  versions: z.record(z.string(), z.string().max(50)).describe('agent, node, config, …'),
  heartbeatS: z.number().int().positive(),
  configVersion: z.number().int().nonnegative(),
  /** The outbox, and the identity its card had where it was made if this is a cloned or moved card. */
  outbox: z.object({ id: z.string().max(32), clonedFrom: z.string().max(32).optional() }).optional(),
  /** The command verbs this agent has registered (core and its running modules'); absent from older agents. */
  verbs: z.array(z.string().regex(NAME_PATTERN)).max(200).optional(),
  /** The optional content fields this agent shows, by content kind (protocols' CONTENT_READS); absent from older agents. */
  reads: z.record(z.string().regex(NAME_PATTERN), z.array(z.string().max(64)).max(50)).optional(),
});
export type Birth = z.infer<typeof Birth>;

/** Retained presence; the same topic carries the last will (`offline`) and the heartbeats (`online`). */
export const State = z.object({
  v,
  epoch,
  ts,
  status: z.enum(['online', 'offline']),
  health: Health.optional(),
  outbox: OutboxStats.optional(),
  modules: z.record(z.string(), ModuleStatus).optional(),
  /** Steps of the device's wall clock seen since it started (ages and timers do not follow them). */
  clock: z.object({ steps: z.number().int().nonnegative(), lastStepMs: z.number().int() }).optional(),
  /** Uncaught exceptions that have stopped the agent process on this card (the supervisor restarted it). */
  crashes: z.number().int().nonnegative().optional(),
});
export type State = z.infer<typeof State>;

/**
 * The fleet refused session `refusedEpoch` as older than `epochFloor`, the newest it has seen of
 * this device (a replaced SD card starts counting again at 1): the device raises its epoch above
 * the floor and connects again. Presence then survives a new card without any state on it.
 */
export const Session = z.object({ v, ts, refusedEpoch: epoch, epochFloor: epoch });
export type Session = z.infer<typeof Session>;

export const FleetState = z.object({ v, ts, status: z.enum(['online', 'offline']), startedAt: ts.optional() });
export type FleetState = z.infer<typeof FleetState>;

const TelemetryRecord = z.object({
  seq: z.number().int().positive(),
  ts,
  data: z.unknown(),
});

/**
 * A batch of one stream's records, in seq order. `low` is the lowest seq still pending in the
 * device's outbox for this stream: everything below it was acked or dropped (TTL, capacity), so
 * the fleet may move its high-water mark past seqs that will never come. `outbox` names the outbox
 * (a new SD card or a wiped agent makes a new one, whose seqs start again at 1).
 */
export const TelemetryBatch = z
  .object({
    v,
    epoch,
    outbox: outboxId.optional(),
    low: z.number().int().positive(),
    records: z.array(TelemetryRecord).min(1).max(MAX_BATCH_RECORDS),
  })
  .refine((b) => b.records.every((r, i) => i === 0 || r.seq > b.records[i - 1]!.seq), {
    message: 'records must be in increasing seq order',
    path: ['records'],
  })
  // The records sent are pending, so the lowest pending seq is at most the first of them: a `low`
  // above it would let a device move its mark past seqs it never sent.
  .refine((b) => b.records.length === 0 || b.low <= b.records[0]!.seq, { message: 'low must not exceed the first record\'s seq', path: ['low'] });
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

/**
 * The fleet's committed high-water marks: every seq ≤ hwm of that stream is stored. `outbox` names
 * the outbox whose seqs they count: another outbox of the device (a clone, an old card put back)
 * must not delete its rows by them.
 */
export const Ack = z.object({ v, ts, streams: z.record(name, z.number().int().nonnegative()), outbox: outboxId.optional() });
export type Ack = z.infer<typeof Ack>;

/** The `level` argument of `set-log-level`, and the agent config's `logLevel`. */
export const LogLevel = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevel>;

export const Command = z.object({
  v,
  cmdId: z.string().min(1).max(64),
  issuedAt: ts,
  expiresAt: ts,
  /**
   * When the fleet sent it, on the fleet's clock like the two above: the device judges expiry by
   * `expiresAt - sentAt` (what was left when it left), never by its own clock, which may be days off.
   */
  sentAt: ts.optional(),
  args: z.record(z.string(), z.unknown()).default({}),
});
export type Command = z.infer<typeof Command>;

const CMD_ACK_STATUSES = ['received', 'succeeded', 'failed', 'rejected'] as const;
export const CmdAck = z.object({
  v,
  cmdId: z.string().min(1).max(64),
  verb: name,
  status: z.enum(CMD_ACK_STATUSES),
  ts,
  result: z.unknown().optional(),
  error: z.string().max(1000).optional(),
});
export type CmdAck = z.infer<typeof CmdAck>;

/** Desired device settings, versioned; retained on cfg/desired. The device validates `settings`. */
export const CfgDesired = z.object({ v, version: z.number().int().positive(), settings: z.record(z.string(), z.unknown()) });
export type CfgDesired = z.infer<typeof CfgDesired>;

export const CfgReported = z.object({
  v,
  ts,
  version: z.number().int().nonnegative().describe('the version now applied'),
  rejected: z.object({ version: z.number().int().positive(), error: z.string().max(2000) }).optional(),
});
export type CfgReported = z.infer<typeof CfgReported>;

/** What a display should show; each role defines its `body` (arrival board, parking counts, …). */
export const Content = z.object({ v, ts, kind: name, body: z.unknown() });
export type Content = z.infer<typeof Content>;

/**
 * The picture on the glass: 1 bit per pixel, MSB = leftmost, rows padded to whole bytes, a set bit
 * black (hardware/epaper's convention), deflated (RFC 1951, raw) and base64. A few KiB for a board.
 */
export const FrameImage = z
  .object({
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    encoding: z.literal('1bpp-deflate'),
    data: z.string().max(200_000).describe('base64 of the deflated bits'),
  })
  .strict();
export type FrameImage = z.infer<typeof FrameImage>;

/**
 * What a display shows now, as reported by the device. v1 has kind, summary and hash; `image` (and
 * `hash` then being the SHA-256 of the raw bits, hex) came later, optional, so a v1 reader still
 * reads it and a device without a panel still sends the v1 form.
 */
export const Frame = z.object({
  v,
  ts,
  kind: name,
  summary: z.string().max(2000),
  hash: z.string().max(128).optional(),
  image: FrameImage.optional(),
});
export type Frame = z.infer<typeof Frame>;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Decodes a payload against a schema: refuses oversize payloads, non-JSON and schema failures
 * with a reason that names the field.
 */
export function decode<T>(schema: z.ZodType<T>, payload: Uint8Array | string): DecodeResult<T> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: `oversize: ${size} bytes > ${MAX_PAYLOAD_BYTES}` };
  const trouble = jsonTrouble(payload, MAX_JSON_DEPTH);
  if (trouble) return { ok: false, reason: trouble };
  let json: unknown;
  try {
    // Invalid UTF-8 is refused, not replaced by U+FFFD (1 byte would become 3 when written again).
    json = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${clip((err as Error).message, 200)}` };
  }
  return validate(schema, json);
}

/** Checks an already parsed value against a schema; the reason names the failing fields. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): DecodeResult<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `schema: ${formatIssues(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

/** Most digits a number may have, mantissa or exponent: past them JSON.parse gives ±Infinity (or 0). */
const MAX_NUMBER_DIGITS = 100;
const MAX_EXPONENT_DIGITS = 2;

/**
 * What JSON.parse would accept but nothing after it should meet, found by one pass over the bytes
 * (strings skipped): nesting deeper than `maxDepth` (every recursive walk of it, JSON.stringify
 * included, could overflow the stack) and numbers out of a double's range (1e400 parses to
 * Infinity, which JSON cannot carry). Returns the reason, or null. Only meaningful for valid JSON;
 * JSON.parse judges the rest.
 */
export function jsonTrouble(text: Uint8Array | string, maxDepth: number): string | null {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let inString = false;
  let digits = 0;
  let inExponent = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > (inExponent ? MAX_EXPONENT_DIGITS : MAX_NUMBER_DIGITS)) return 'number out of range';
      continue;
    }
    if (c === 0x65 || c === 0x45) {
      if (digits > 0) (inExponent = true), (digits = 0); // 'e' after digits: an exponent follows
      continue;
    }
    if (c === 0x2b || c === 0x2d || c === 0x2e) continue; // signs; fraction digits count on with the mantissa
    digits = 0;
    inExponent = false;
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nesting deeper than ${maxDepth} levels`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}


/** A message that would exceed what either side of the wire accepts (MAX_PAYLOAD_BYTES). */
export class PayloadTooLarge extends Error {
  constructor(readonly what: string, readonly bytes: number, readonly limit = MAX_PAYLOAD_BYTES) {
    super(`${what} is ${bytes} bytes encoded; the limit is ${limit} (MAX_PAYLOAD_BYTES)`);
    this.name = 'PayloadTooLarge';
  }
}

/** A message that the peer would refuse: not its schema, or nested deeper than MAX_JSON_DEPTH. */
export class PayloadInvalid extends Error {
  constructor(readonly what: string, reason: string) {
    super(`${what} is not a valid message: ${reason}`);
    this.name = 'PayloadInvalid';
  }
}

/**
 * Encodes a message, refusing what the peer's `decode` would refuse (a bug on our side, or a row
 * stored by an older version, is caught here rather than refused by the peer).
 */
export function encode<T>(schema: z.ZodType<T>, value: T, what = 'payload'): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PayloadInvalid(what, formatIssues(parsed.error));
  let s: string;
  try {
    s = JSON.stringify(parsed.data);
  } catch (err) {
    throw new PayloadInvalid(what, (err as Error).message);
  }
  const bytes = Buffer.byteLength(s);
  if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLarge(what, bytes);
  const trouble = jsonTrouble(s, MAX_JSON_DEPTH);
  if (trouble) throw new PayloadInvalid(what, trouble);
  return s;
}

/** Longest refusal reason: one log line, never the payload echoed back. */
export const MAX_REASON_CHARS = 500;

/** One line naming every failing field: `records.0.seq: expected int, received string`. */
export function formatIssues(error: z.ZodError): string {
  const line = error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map((p) => clip(String(p), 40)).join('.') : '(root)'}: ${clip(i.message, 200)}`)
    .join('; ');
  return clip(line, MAX_REASON_CHARS);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A record whose `data` is already JSON text (as the outbox stores it). */
export interface RawRecord {
  seq: number;
  ts: number;
  data: string;
}

/**
 * Encodes a telemetry batch from records whose data is already JSON, without parsing it again.
 * The result is exactly what `encode(TelemetryBatch, …)` would give for the parsed records.
 */
export function encodeTelemetryBatch(epochValue: number, low: number, records: readonly RawRecord[], outbox?: string): string {
  let s = `{"v":${CONTRACT_VERSION},"epoch":${epochValue},${outbox ? `"outbox":${JSON.stringify(outbox)},` : ''}"low":${low},"records":[`;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    s += `${i ? ',' : ''}{"seq":${r.seq},"ts":${r.ts},"data":${r.data}}`;
  }
  return s + ']}';
}
