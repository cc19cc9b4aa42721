/**
 * The telemetry streams and the record each carries (`data` of a TelemetryRecord on `t/{stream}`).
 * One map gives the names, the types (`StreamRecord<'gps'>`) and the validation; a module's
 * `record()` is typed by it, so a stream that is not here does not compile.
 */
import type { z } from 'zod';
import { type DecodeResult, validate } from '../mqtt/messages.js';
import { ApcRecord } from './apc.js';
import { GpsRecord } from './gps.js';
import { LogRecord } from './log.js';
import { LoopsRecord } from './loops.js';

export { ApcDoorCount, ApcRecord } from './apc.js';
export { GpsRecord } from './gps.js';
export { LogRecord } from './log.js';
export { LoopsRecord } from './loops.js';

export const STREAMS = {
  gps: GpsRecord,
  apc: ApcRecord,
  loops: LoopsRecord,
  log: LogRecord,
} as const;

/**
 * Outbox lanes of the known streams (0 drains first): passenger counts and loop events before
 * positions, logs last. A stream's policy in the agent config overrides its lane here.
 */
export const STREAM_PRIORITIES: Readonly<Record<keyof typeof STREAMS, number>> = { apc: 1, loops: 1, gps: 6, log: 9 };

export type StreamName = keyof typeof STREAMS;
export type StreamRecord<K extends StreamName> = z.infer<(typeof STREAMS)[K]>;

export function isStreamName(name: string): name is StreamName {
  return Object.hasOwn(STREAMS, name);
}

/** Checks one record against its stream's schema; the reason names the field. */
export function decodeRecord<K extends StreamName>(stream: K, data: unknown): DecodeResult<StreamRecord<K>>;
export function decodeRecord(stream: string, data: unknown): DecodeResult<StreamRecord<StreamName>>;
export function decodeRecord(stream: string, data: unknown): DecodeResult<StreamRecord<StreamName>> {
  if (!isStreamName(stream)) return { ok: false, reason: `unknown stream ${stream.slice(0, 40)}` };
  return validate(STREAMS[stream] as z.ZodType<StreamRecord<StreamName>>, data);
}
