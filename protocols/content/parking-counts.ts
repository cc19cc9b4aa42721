/**
 * `parking-counts`: free spaces per car park, as the fleet's occupancy engine computed them, for a
 * parking guidance panel. Past `validUntil` a panel blanks its counts rather than show stale ones.
 */
import { z } from 'zod';

export const PARKING_STATES = ['spacesAvailable', 'almostFull', 'full', 'closed', 'unknown'] as const;

export const ParkingCount = z
  .object({
    carParkId: z.string().min(1).max(64).describe("the car park's id in the fleet (e.g. glazija)"),
    label: z.string().min(1).max(32).describe('what the panel shows as its name (e.g. GLAZIJA)'),
    free: z.number().int().nonnegative().nullable().describe('free spaces; null when not known (shown blank)'),
    state: z.enum(PARKING_STATES).describe('DATEX II parkingSiteStatus-like state; full is shown as ZASEDENO'),
  })
  .strict();
export type ParkingCount = z.infer<typeof ParkingCount>;

export const ParkingCounts = z
  .object({
    rows: z.array(ParkingCount).max(32).describe("one per car park, in the panel's row order"),
    validUntil: z.iso.datetime({ offset: true }).describe('after this the counts are stale: blank them'),
  })
  .strict();
export type ParkingCounts = z.infer<typeof ParkingCounts>;
