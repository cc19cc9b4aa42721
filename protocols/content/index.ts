/**
 * What the fleet sends a device to show (`content`, `{kind, body}`): one map from kind to the
 * body's schema gives the names, the types (`ContentBody<'arrival-board'>`) and the validation.
 */
import type { z } from 'zod';
import { type DecodeResult, validate } from '../mqtt/messages.js';
import { ArrivalBoard } from './arrival-board.js';
import { ParkingCounts } from './parking-counts.js';

export { ArrivalBoard, Departure } from './arrival-board.js';
export { PARKING_STATES, ParkingCount, ParkingCounts } from './parking-counts.js';

export const CONTENT = {
  'arrival-board': ArrivalBoard,
  'parking-counts': ParkingCounts,
} as const;

export type ContentKind = keyof typeof CONTENT;
export type ContentBody<K extends ContentKind> = z.infer<(typeof CONTENT)[K]>;

export function isContentKind(kind: string): kind is ContentKind {
  return Object.hasOwn(CONTENT, kind);
}

/** Checks a body against its kind's schema; the reason names the field (or the unknown kind). */
export function decodeContent<K extends ContentKind>(kind: K, body: unknown): DecodeResult<ContentBody<K>>;
export function decodeContent(kind: string, body: unknown): DecodeResult<ContentBody<ContentKind>>;
export function decodeContent(kind: string, body: unknown): DecodeResult<ContentBody<ContentKind>> {
  if (!isContentKind(kind)) return { ok: false, reason: `unknown content kind ${kind.slice(0, 40)}` };
  return validate(CONTENT[kind] as z.ZodType<ContentBody<ContentKind>>, body);
}
