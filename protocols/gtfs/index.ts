/**
 * GTFS static: a feed's zip, or its files read from a folder, → a typed model with its problems
 * (`parseGtfsZip`, `parseGtfsFiles`), and the queries the ETA engine and the stop displays build on
 * (`servicesOn`, `departuresAt`, `tripShape`).
 */
export type * from './model.js';
export { parseGtfsFiles, parseGtfsZip, type GtfsLoad, type GtfsParseOptions } from './load.js';
export { GTFS_LIMITS, GtfsRefused, type GtfsLimits, type GtfsProblemCounts } from './problems.js';
export { GTFS_FILES, type GtfsFileName } from './schemas.js';
export { departuresAt, feedSummary, servicesOn, tripShape, MAX_DEPARTURE_WINDOW_MS, type GtfsDeparture, type GtfsFeedSummary } from './queries.js';
export { formatGtfsTime, isoLocal, localDate as gtfsLocalDate, parseGtfsDate, parseGtfsTime, serviceDayStart } from './time.js';
