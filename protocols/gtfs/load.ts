/**
 * `parseGtfsZip` and `parseGtfsFiles`: a GTFS feed's bytes in — a zip, or the files of a folder by
 * name — the typed model and its problems out. Pure (no file I/O, no clock), bounded by
 * `GTFS_LIMITS`. A bad row is skipped and reported; the feed is refused (GtfsRefused, with a
 * message naming what is wrong and each reason on its own) only when it is not a readable zip,
 * exceeds a limit, or a required file is missing, unreadable or left with no usable row.
 *
 * Required here: agency, stops, routes, trips, stop_times, and calendar or calendar_dates (GTFS
 * Schedule reference, "Dataset Files"; stops.txt is conditionally required there and always here).
 * Read when present: calendar_dates, frequencies, shapes, feed_info.
 */
import type { Row } from './csv.js';
import { readTable } from './csv.js';
import type { GtfsAgency, GtfsCalendar, GtfsFeed, GtfsFeedInfo, GtfsProblem, GtfsRoute, GtfsStop, GtfsStopVisit } from './model.js';
import { GTFS_LIMITS, GtfsRefused, ProblemLog, mib, type GtfsLimits, type GtfsProblemCounts } from './problems.js';
import { GTFS_FILES, type GtfsFileName, type GtfsRow } from './schemas.js';
import { buildShapes } from './shapes.js';
import { buildTrips } from './trips.js';
import { unzipGtfs } from './zip.js';

export interface GtfsLoad {
  feed: GtfsFeed;
  /** the first `GTFS_LIMITS.listed` problems, in the order found */
  problems: GtfsProblem[];
  /** every problem, counted */
  counts: GtfsProblemCounts;
}

export interface GtfsParseOptions {
  /** tighter (or, for a big region, looser) bounds than GTFS_LIMITS */
  limits?: Partial<GtfsLimits>;
}

const WANTED: ReadonlySet<string> = new Set(Object.keys(GTFS_FILES));

export function parseGtfsZip(bytes: Uint8Array, options: GtfsParseOptions = {}): GtfsLoad {
  const limits: GtfsLimits = { ...GTFS_LIMITS, ...options.limits };
  const problems = new ProblemLog(limits.listed);
  return buildFeed(unzipGtfs(bytes, WANTED, limits, problems), limits, problems);
}

/**
 * The same as `parseGtfsZip`, from the files of a folder the caller has read: `stops.txt` → its
 * bytes. Names that are not GTFS files read here are ignored; one in a subfolder (`gtfs/stops.txt`)
 * is not read, with a warning, as in a zip. The limits on one file and on all together hold.
 */
export function parseGtfsFiles(files: ReadonlyMap<string, Uint8Array>, options: GtfsParseOptions = {}): GtfsLoad {
  const limits: GtfsLimits = { ...GTFS_LIMITS, ...options.limits };
  const problems = new ProblemLog(limits.listed);
  const wanted = new Map<string, Uint8Array>();
  let total = 0;
  for (const [name, data] of files) {
    if (!WANTED.has(name)) {
      const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
      if (base !== name && WANTED.has(base)) problems.warning(base, null, `found as "${name.slice(0, 100)}", in a folder: GTFS files must be at the feed's root (not read)`);
      continue;
    }
    if (data.length > limits.fileBytes) throw new GtfsRefused(`${name} is ${mib(data.length)}, over the limit of ${mib(limits.fileBytes)} for one file`);
    total += data.length;
    if (total > limits.totalBytes) throw new GtfsRefused(`the files are over ${mib(limits.totalBytes)} together, the limit`);
    wanted.set(name, data);
  }
  return buildFeed(wanted, limits, problems);
}

function buildFeed(files: ReadonlyMap<string, Uint8Array>, limits: GtfsLimits, problems: ProblemLog): GtfsLoad {
  const refusals: string[] = [];
  const refuse = (file: string, why: string) => {
    problems.error(file, null, `${file} ${why}`);
    refusals.push(`${file} ${why}`);
  };

  const table = <F extends GtfsFileName>(file: F): Row<GtfsRow<F>>[] => {
    const data = files.get(file);
    const required = GTFS_FILES[file].required;
    if (!data) {
      if (required) refuse(file, 'is missing (required)');
      return [];
    }
    const rows = readTable(file, data, limits, problems);
    if (required && rows === null) refusals.push(`${file} cannot be read (see its problems)`);
    else if (required && rows!.length === 0) refuse(file, 'has no usable row');
    return rows ?? [];
  };
  const agencyRows = table('agency.txt');
  const stopRows = table('stops.txt');
  const routeRows = table('routes.txt');
  const tripRows = table('trips.txt');
  const stopTimeRows = table('stop_times.txt');
  const calendarRows = table('calendar.txt');
  const calendarDateRows = table('calendar_dates.txt');
  const frequencyRows = table('frequencies.txt');
  const shapeRows = table('shapes.txt');
  if (!files.has('calendar.txt') && !files.has('calendar_dates.txt')) refuse('calendar.txt', 'is missing, and so is calendar_dates.txt (one is required)');
  const feedInfoRows = table('feed_info.txt');
  if (refusals.length) throw new GtfsRefused(`GTFS feed refused: ${refusals.join('; ')}`, problems.listed, refusals);

  const agencies = buildAgencies(agencyRows, problems);
  const stops = unique('stops.txt', 'stop_id', stopRows, problems);
  for (const { line, value: stop } of stopRows) {
    if (stops.get(stop.id) === stop && stop.parentStation !== undefined && !stops.has(stop.parentStation)) {
      problems.error('stops.txt', line, `parent_station ${stop.parentStation} is not in stops.txt; the stop is kept without it`, 'parent_station');
      stop.parentStation = undefined;
    }
  }
  const routes = unique('routes.txt', 'route_id', routeRows, problems);
  const agencyIds = new Set(agencies.map((a) => a.id));
  for (const { line, value: route } of routeRows) {
    if (routes.get(route.id) !== route) continue;
    if (route.agencyId !== undefined ? !agencyIds.has(route.agencyId) : agencies.length > 1) {
      const why = route.agencyId !== undefined ? `agency_id ${route.agencyId} is not in agency.txt` : 'agency_id is required when agency.txt lists several agencies';
      problems.error('routes.txt', line, `${why}; the route is kept`, 'agency_id');
    }
  }
  const calendars = new Map<string, GtfsCalendar>();
  for (const { line, value } of calendarRows) {
    if (calendars.has(value.serviceId)) problems.error('calendar.txt', line, `service_id ${value.serviceId} appears twice; row skipped`, 'service_id');
    else calendars.set(value.serviceId, value);
  }
  const calendarDates = new Map<string, Map<string, 1 | 2>>();
  for (const { line, value } of calendarDateRows) {
    let onDate = calendarDates.get(value.date);
    if (!onDate) calendarDates.set(value.date, (onDate = new Map()));
    if (onDate.has(value.serviceId)) problems.error('calendar_dates.txt', line, `service_id ${value.serviceId} on ${value.date} appears twice; row skipped`, 'date');
    else onDate.set(value.serviceId, value.exceptionType);
  }
  const services = new Set([...calendars.keys(), ...calendarDateRows.map((r) => r.value.serviceId)]);
  const shapes = buildShapes(shapeRows, problems);
  const trips = buildTrips(tripRows, stopTimeRows, frequencyRows, { routes, stops, services, shapes }, problems);
  if (trips.size === 0) {
    refuse('trips.txt', 'has no usable trip (each was skipped: see the problems)');
    throw new GtfsRefused(`GTFS feed refused: ${refusals.join('; ')}`, problems.listed, refusals);
  }

  const stopVisits = new Map<string, GtfsStopVisit[]>();
  let maxTime = 0;
  for (const trip of trips.values()) {
    trip.stopTimes.forEach((st, index) => {
      let visits = stopVisits.get(st.stopId);
      if (!visits) stopVisits.set(st.stopId, (visits = []));
      visits.push({ trip, index });
    });
    const first = trip.stopTimes[0]!.departure;
    const last = trip.stopTimes[trip.stopTimes.length - 1]!.arrival;
    const reach = trip.frequencies.length ? Math.max(...trip.frequencies.map((f) => f.end)) + (last - first) : last;
    maxTime = Math.max(maxTime, reach);
  }
  const children = new Map<string, string[]>();
  for (const stop of stops.values()) {
    if (stop.parentStation === undefined) continue;
    let list = children.get(stop.parentStation);
    if (!list) children.set(stop.parentStation, (list = []));
    list.push(stop.id);
  }
  const feed: GtfsFeed = {
    agencies,
    timeZone: agencies[0]!.timeZone,
    routes,
    stops,
    trips,
    calendars,
    calendarDates,
    shapes,
    stopVisits,
    children,
    maxTime,
    ...feedInfo(feedInfoRows, problems),
  };
  return { feed, problems: problems.listed, counts: { ...problems.counts } };
}

/** Every agency must share the first one's time zone, and carry an id when there are several. */
function buildAgencies(rows: readonly Row<GtfsRow<'agency.txt'>>[], problems: ProblemLog): GtfsAgency[] {
  const agencies: GtfsAgency[] = [];
  for (const { line, value } of rows) {
    const first = agencies[0];
    if (first && value.timeZone !== first.timeZone) {
      problems.error('agency.txt', line, `agency_timezone ${value.timeZone} differs from ${first.timeZone}: a feed has one time zone; row skipped`, 'agency_timezone');
    } else if (value.id !== undefined && agencies.some((a) => a.id === value.id)) {
      problems.error('agency.txt', line, `agency_id ${value.id} appears twice; row skipped`, 'agency_id');
    } else agencies.push(value);
  }
  if (agencies.length > 1 && agencies.some((a) => a.id === undefined)) {
    problems.error('agency.txt', null, 'agency_id is required when the file lists several agencies', 'agency_id');
  }
  return agencies;
}

/** feed_info.txt has one row (MobilityData's more_than_one_entity): the first is read. */
function feedInfo(rows: readonly Row<GtfsRow<'feed_info.txt'>>[], problems: ProblemLog): { info?: GtfsFeedInfo } {
  for (const { line } of rows.slice(1)) problems.error('feed_info.txt', line, `a second row: the file has one (line ${rows[0]!.line} is read); row skipped`);
  return rows.length ? { info: rows[0]!.value } : {};
}

/** Rows keyed by their id; a repeated id is an error and its later row is skipped. */
function unique<T extends GtfsRoute | GtfsStop>(file: string, field: string, rows: readonly Row<T>[], problems: ProblemLog): Map<string, T> {
  const out = new Map<string, T>();
  for (const { line, value } of rows) {
    if (out.has(value.id)) problems.error(file, line, `${field} ${value.id} appears twice; row skipped`, field);
    else out.set(value.id, value);
  }
  return out;
}
