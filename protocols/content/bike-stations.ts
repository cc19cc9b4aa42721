/**
 * `bike-stations`: the bike-share stations near a stop display (GBFS, fleet/engines/bikes), nearest
 * first, with their free bikes and docks as the feed last said. Shown only until `validUntil`
 * (the feed's `last_updated + ttl` and a margin): past it the display drops the line, link or no
 * link. An empty list clears it. Sent again at the display's birth (not retained).
 */
import { z } from 'zod';

export const BikeStation = z
  .object({
    id: z.string().min(1).max(255),
    name: z.string().min(1).max(120).describe('as riders know it (č, š, ž)'),
    bikes: z.number().int().min(0).max(10_000).nullable().describe('free bikes; null: not renting, no count shown'),
    docks: z.number().int().min(0).max(10_000).nullable().describe('free docks; null: not returning or unknown'),
    distanceM: z.number().int().min(0).max(100_000).describe('from the stop, metres'),
  })
  .strict();
export type BikeStation = z.infer<typeof BikeStation>;

export const BikeStations = z
  .object({
    stations: z.array(BikeStation).max(5).describe('nearest first'),
    validUntil: z.iso.datetime({ offset: true }).describe('when the counts stop being shown'),
  })
  .strict();
export type BikeStations = z.infer<typeof BikeStations>;
