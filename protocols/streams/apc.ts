/**
 * `apc` (automatic passenger counting): one stop visit of a bus, counted by the door beams from
 * doors open to doors closed.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const ApcDoorCount = z
  .object({
    door: z.number().int().min(1).max(8).describe('door number, 1 at the front'),
    boardings: count.describe('passengers who got on through this door'),
    alightings: count.describe('passengers who got off through this door'),
  })
  .strict();
export type ApcDoorCount = z.infer<typeof ApcDoorCount>;

export const ApcRecord = z
  .object({
    stopId: z.string().min(1).max(64).optional().describe('the GTFS stop_id of the visit, when the bus knew where it was'),
    doors: z.array(ApcDoorCount).min(1).max(8).describe('counts per door for this visit'),
    onboard: count.describe('passengers on board when the doors closed (running estimate)'),
  })
  .strict();
export type ApcRecord = z.infer<typeof ApcRecord>;
