/**
 * `gps`: one position fix from the bus's GNSS receiver, as decoded from NMEA 0183 (RMC for time,
 * position, speed and course; GGA/GSA for fix quality, HDOP and satellites).
 */
import { z } from 'zod';

export const GpsRecord = z
  .object({
    time: z.number().int().nonnegative().describe("the fix's UTC time from the receiver, ms since the Unix epoch (RMC time + date)"),
    lat: z.number().min(-90).max(90).describe('latitude, decimal degrees WGS 84, north positive'),
    lon: z.number().min(-180).max(180).describe('longitude, decimal degrees WGS 84, east positive'),
    speed: z.number().nonnegative().describe('speed over ground, m/s (RMC gives knots: × 0.514444)'),
    course: z.number().min(0).lt(360).describe('course over ground, degrees true (0 = north, clockwise)'),
    fix: z.enum(['2d', '3d']).describe('fix type (GSA mode 2 or 3); no record is made without a fix'),
    hdop: z.number().nonnegative().optional().describe('horizontal dilution of precision (GGA); lower is better'),
    sats: z.number().int().min(0).max(99).optional().describe('satellites used in the fix (GGA)'),
  })
  .strict();
export type GpsRecord = z.infer<typeof GpsRecord>;
