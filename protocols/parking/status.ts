/**
 * A car park as the fleet's occupancy engine sees it now: the one shape the guidance panels'
 * content, the interactive panels, the open data (ParkAPI JSON, DATEX II) and the CLI are made from.
 */
import { z } from 'zod';
import { PARKING_STATES } from '../content/parking-counts.js';

export const CarParkStatus = z
  .object({
    id: z.string().min(1).max(64).describe('the car park id (glazija)'),
    name: z.string().min(1).max(100).describe('as people know it (Garažna hiša Glazija)'),
    site: z.string().min(1).max(64).describe('the fleet site it belongs to (celje)'),
    kind: z.enum(['garage', 'open']).describe('a multi-storey or underground garage, or an open car park'),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    address: z.string().max(200).optional(),
    capacity: z.number().int().nonnegative(),
    /** Vehicles inside by the counts (0…capacity; a count past either end is clamped and reported). */
    occupied: z.number().int().nonnegative(),
    free: z.number().int().nonnegative().nullable().describe('null when unknown (no fresh count, or closed)'),
    percent: z.number().min(0).max(100).nullable().describe('occupied ÷ capacity × 100, null when unknown'),
    trend: z.enum(['rising', 'falling', 'steady']).nullable().describe('over the last 15 min; null when unknown'),
    state: z.enum(PARKING_STATES).describe('with hysteresis: up at one threshold, back down at another'),
    open: z.boolean().describe('within its opening hours now'),
    updatedAt: z.iso.datetime({ offset: true }).nullable().describe('the last count that reached the fleet'),
  })
  .strict();
export type CarParkStatus = z.infer<typeof CarParkStatus>;
