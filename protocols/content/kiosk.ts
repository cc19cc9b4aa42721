/**
 * `kiosk`: everything an interactive information panel (role `info-panel`) shows, in one body: the
 * site's car parks with their free spaces, the next departures at the nearest stops, the
 * city's notices and the bike-share stations near it. The fleet's kiosk engine sends the whole set
 * when any of it changes (and again now and then, so the panel can tell fresh data from old); the
 * panel keeps the latest and shows its age.
 *
 * Evolving it: a field added later is optional, and the fleet sends it only to an agent whose birth
 * names it in `reads` (CONTENT_READS) — the body is strict, so an agent from before the field
 * refuses a set that has it — and leaves it out while it has nothing to say. A newer agent takes a
 * set from an older fleet as it is.
 */
import { z } from 'zod';
import { PARKING_STATES } from './parking-counts.js';
import { Departure } from './arrival-board.js';
import { ServiceMessage } from './service-messages.js';

const isoTime = z.iso.datetime({ offset: true });

export const KioskCarPark = z
  .object({
    id: z.string().min(1).max(64).describe('the car park id (glazija)'),
    name: z.string().min(1).max(100).describe('as people know it (Garažna hiša Glazija)'),
    kind: z.enum(['garage', 'open']),
    address: z.string().max(200).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    capacity: z.number().int().nonnegative(),
    free: z.number().int().nonnegative().nullable().describe('free spaces; null when unknown (shown as --)'),
    state: z.enum(PARKING_STATES).describe('full is shown as ZASEDENO, closed as ZAPRTO, unknown as --'),
    trend: z.enum(['rising', 'falling', 'steady']).nullable().optional(),
    updatedAt: isoTime.nullable().describe('the last count that reached the fleet'),
  })
  .strict();
export type KioskCarPark = z.infer<typeof KioskCarPark>;

export const KioskStop = z
  .object({
    stopId: z.string().min(1).max(64),
    name: z.string().min(1).max(100).describe("the stop's name as passengers know it"),
    departures: z.array(Departure).max(12).describe('soonest first; realtime false: scheduled'),
  })
  .strict();
export type KioskStop = z.infer<typeof KioskStop>;

/**
 * A bike-share station near the panel (GBFS, the fleet's bikes engine). Its counts are shown only
 * until `validUntil` (the status file's `last_updated + ttl` and a margin): past it they are no
 * longer live and the panel drops the station, link or no link.
 */
export const KioskBikeStation = z
  .object({
    id: z.string().min(1).max(255).describe("the feed's station_id"),
    name: z.string().min(1).max(120).describe('as riders know it (Titov trg)'),
    bikes: z.number().int().min(0).max(10_000).nullable().describe('free bikes; null: not renting, no count shown'),
    docks: z.number().int().min(0).max(10_000).nullable().describe('free docks; null: not returning or unknown'),
    distanceM: z.number().int().min(0).max(100_000).describe("from the nearest of the panel's stops, metres"),
    updatedAt: isoTime.describe("when the counts were true: the status file's last_updated"),
    validUntil: isoTime.describe('when the counts stop being shown'),
  })
  .strict();
export type KioskBikeStation = z.infer<typeof KioskBikeStation>;

export const KioskContent = z
  .object({
    site: z.string().min(1).max(64).describe('the fleet site the panel belongs to (celje)'),
    generatedAt: isoTime.describe('when the fleet composed this set: the age the panel shows'),
    timeZone: z.string().min(1).max(64).optional().describe('the local time zone of the times shown (IANA name)'),
    carParks: z.array(KioskCarPark).max(32).describe("the site's car parks, in the panel's order"),
    stops: z.array(KioskStop).max(6).describe("the panel's nearest stops, in its label's order"),
    notices: z.array(ServiceMessage).max(10).describe('the notices for the site (and for its stops, or everyone), newest first'),
    bikes: z
      .array(KioskBikeStation)
      .max(8)
      .optional()
      .describe("the bike-share stations near the panel's stops, nearest first, while their data is fresh; absent: none"),
  })
  .strict();
export type KioskContent = z.infer<typeof KioskContent>;
