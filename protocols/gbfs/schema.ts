/**
 * The GBFS files Tabla reads, as published (General Bikeshare Feed Specification, MobilityData),
 * versions 2.3 and 3.0: the discovery file `gbfs.json`, `station_information` and
 * `station_status`. Only the fields Tabla uses are checked; the others pass (operators add their
 * own). Differences the normaliser (index.ts) smooths over:
 * - `last_updated`: POSIX seconds in 2.x, an RFC 3339 date-time in 3.0 (gbfs.md "Output Format").
 * - `gbfs.json`: `data.<language>.feeds` in 2.x, `data.feeds` in 3.0.
 * - station `name`: a string in 2.x, localized `[{text, language}]` in 3.0.
 * - `num_bikes_available` (2.x) became `num_vehicles_available` in 3.0; `last_reported` POSIX
 *   seconds in 2.x, RFC 3339 in 3.0.
 */
import { z } from 'zod';

const Ttl = z.number().int().min(0).max(31_536_000).describe('seconds the data may be cached');
const Lat = z.number().min(-90).max(90);
const Lon = z.number().min(-180).max(180);
const Count = z.number().int().min(0).max(100_000);
const Id = z.string().min(1).max(255);
const Rfc3339 = z.iso.datetime({ offset: true });

const header2 = { last_updated: z.number().int().min(0).describe('POSIX seconds'), ttl: Ttl, version: z.string().regex(/^2\.\d$/u) };
const header3 = { last_updated: Rfc3339, ttl: Ttl, version: z.string().regex(/^3\.\d$/u) };

const Feed = z.object({ name: z.string().min(1).max(64), url: z.string().min(1).max(2048) });

export const Discovery2 = z.object({ ...header2, data: z.record(z.string(), z.object({ feeds: z.array(Feed).max(64) })) });
export const Discovery3 = z.object({ ...header3, data: z.object({ feeds: z.array(Feed).max(64) }) });

const station = { station_id: Id, lat: Lat, lon: Lon, capacity: Count.optional() };
export const LocalizedString = z.array(z.object({ text: z.string().min(1).max(255), language: z.string().min(2).max(35) })).min(1).max(32);

export const StationInformation2 = z.object({
  ...header2,
  data: z.object({ stations: z.array(z.object({ ...station, name: z.string().min(1).max(255) })).max(10_000) }),
});
export const StationInformation3 = z.object({
  ...header3,
  data: z.object({ stations: z.array(z.object({ ...station, name: LocalizedString })).max(10_000) }),
});

const status = { station_id: Id, num_docks_available: Count.optional(), is_installed: z.boolean(), is_renting: z.boolean(), is_returning: z.boolean() };
export const StationStatus2 = z.object({
  ...header2,
  data: z.object({
    stations: z.array(z.object({ ...status, num_bikes_available: Count, last_reported: z.number().int().min(0) })).max(10_000),
  }),
});
export const StationStatus3 = z.object({
  ...header3,
  data: z.object({
    stations: z
      .array(z.object({ ...status, num_vehicles_available: Count.optional(), num_bikes_available: Count.optional(), last_reported: Rfc3339 }))
      .max(10_000),
  }),
});
