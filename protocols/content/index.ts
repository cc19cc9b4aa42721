/**
 * What the fleet sends a device to show (`content`, `{kind, body}`): one map from kind to the
 * body's schema gives the names, the types (`ContentBody<'arrival-board'>`) and the validation.
 */
import type { z } from 'zod';
import { type DecodeResult, validate } from '../mqtt/messages.js';
import { ArrivalBoard } from './arrival-board.js';
import { BikeStations } from './bike-stations.js';
import { KioskContent } from './kiosk.js';
import { ParkingCounts } from './parking-counts.js';
import { ServiceMessages } from './service-messages.js';
import { StopTimetable } from './stop-timetable.js';

export { ArrivalBoard, Departure } from './arrival-board.js';
export { BikeStation, BikeStations } from './bike-stations.js';
export { KioskBikeStation, KioskCarPark, KioskContent, KioskStop } from './kiosk.js';
export { PARKING_STATES, ParkingCount, ParkingCounts } from './parking-counts.js';
export { ServiceMessage, ServiceMessages } from './service-messages.js';
export { StopTimetable, TimetableDay, TimetableLine } from './stop-timetable.js';

export const CONTENT = {
  'arrival-board': ArrivalBoard,
  'parking-counts': ParkingCounts,
  'stop-timetable': StopTimetable,
  'service-messages': ServiceMessages,
  kiosk: KioskContent,
  'bike-stations': BikeStations,
} as const;

/**
 * Kinds published retained on the device's one `content` topic. Only one message per topic is
 * retained, so only the kind that changes all the time is; the others are sent again by the fleet
 * when a device comes online (birth), and kept by the device in its own tables.
 */
export const CONTENT_RETAINED: Readonly<Record<keyof typeof CONTENT, boolean>> = {
  'arrival-board': true,
  'parking-counts': true,
  'stop-timetable': false,
  'service-messages': false,
  // An info panel takes no other kind: its one retained message is its whole set.
  kiosk: true,
  'bike-stations': false,
};

/**
 * The optional fields each kind gained after its first version, which an agent of this code shows.
 * Bodies are strict, so an agent refuses a whole body with a field it does not know: it names what
 * it reads in its birth (`reads`), and the fleet sends a later field only to an agent that names it.
 */
export const CONTENT_READS: Readonly<Record<string, readonly string[]>> = {
  kiosk: ['bikes'],
};

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
