/**
 * The typed model of a GTFS static feed (https://gtfs.org/documentation/schedule/reference/), as
 * `parseGtfsZip` builds it: only the files and fields Tabla uses, ids resolved and checked, stop
 * times ordered, shapes measured. Immutable once built; the queries in `queries.ts` read it.
 *
 * Times of day are seconds since the service day's start, which the spec defines as "noon minus
 * 12 h" local time (so 25:10:00 is 90 600, and on a DST change day 08:00:00 is still 08:00 on the
 * wall clock). Dates are ISO `YYYY-MM-DD` (the files say `YYYYMMDD`).
 */

/** Where a problem was found: the file, its line (1 is the header; null for the file as a whole). */
export interface GtfsProblem {
  file: string;
  row: number | null;
  field?: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface GtfsAgency {
  id?: string;
  name: string;
  url: string;
  timeZone: string;
  lang?: string;
}

export interface GtfsRoute {
  id: string;
  agencyId?: string;
  shortName?: string;
  longName?: string;
  /** route_type: 3 bus, 0 tram, … (extended types up to 1702 allowed) */
  type: number;
  /** six hex digits, upper case, no `#` (route_color; FFFFFF when the feed gives none) */
  color: string;
  /** route_text_color; 000000 when the feed gives none */
  textColor: string;
}

export interface GtfsStop {
  id: string;
  name?: string;
  lat?: number;
  lon?: number;
  parentStation?: string;
  /** 0 stop or platform, 1 station, 2 entrance, 3 generic node, 4 boarding area */
  locationType: 0 | 1 | 2 | 3 | 4;
}

export interface GtfsStopTime {
  stopId: string;
  stopSequence: number;
  /** seconds since the service day's start (noon − 12 h); interpolated when the feed left it empty */
  arrival: number;
  departure: number;
  stopHeadsign?: string;
  /** 0 regular, 1 none, 2 phone the agency, 3 ask the driver */
  pickupType: 0 | 1 | 2 | 3;
  dropOffType: 0 | 1 | 2 | 3;
  shapeDistTraveled?: number;
  /** true: the times are exact (timepoint 1); false: approximate or interpolated */
  timepoint: boolean;
}

/** One row of frequencies.txt: the trip repeats from `start` (inclusive) to `end` (exclusive). */
export interface GtfsFrequency {
  start: number;
  end: number;
  headwaySecs: number;
  /** exact_times 1: schedule-based departures at exactly start + n × headway; 0: headway-based (about every headway) */
  exactTimes: boolean;
}

export interface GtfsTrip {
  id: string;
  routeId: string;
  serviceId: string;
  headsign?: string;
  directionId?: 0 | 1;
  blockId?: string;
  shapeId?: string;
  /** ordered by stop_sequence, times never decreasing */
  stopTimes: readonly GtfsStopTime[];
  /** empty for a trip that runs once at its stop times */
  frequencies: readonly GtfsFrequency[];
}

export interface GtfsCalendar {
  serviceId: string;
  /** runs on these weekdays, Sunday first (Date#getUTCDay order) */
  weekdays: readonly [boolean, boolean, boolean, boolean, boolean, boolean, boolean];
  startDate: string;
  endDate: string;
}

export interface GtfsShapePoint {
  lat: number;
  lon: number;
  sequence: number;
  /** metres along the shape from its first point (great-circle, computed) */
  distM: number;
  /** shape_dist_traveled as the feed gives it (its own unit), when it does */
  distTraveled?: number;
}

export interface GtfsShape {
  id: string;
  /** ordered by shape_pt_sequence */
  points: readonly GtfsShapePoint[];
  lengthM: number;
}

/** feed_info.txt: who publishes the dataset, in which language, its version and the dates it covers. */
export interface GtfsFeedInfo {
  publisherName: string;
  publisherUrl: string;
  /** feed_lang: an IETF BCP 47 tag, or `mul` for several languages */
  lang: string;
  defaultLang?: string;
  /** the first and last dates the dataset provides service for (YYYY-MM-DD) */
  startDate?: string;
  endDate?: string;
  version?: string;
  contactEmail?: string;
  contactUrl?: string;
}

/** A stop's place in a trip: `trip.stopTimes[index]`. */
export interface GtfsStopVisit {
  trip: GtfsTrip;
  index: number;
}

export interface GtfsFeed {
  agencies: readonly GtfsAgency[];
  /** the feed's time zone (agency_timezone; every agency must give the same) */
  timeZone: string;
  routes: ReadonlyMap<string, GtfsRoute>;
  stops: ReadonlyMap<string, GtfsStop>;
  trips: ReadonlyMap<string, GtfsTrip>;
  calendars: ReadonlyMap<string, GtfsCalendar>;
  /** date → service_id → 1 added, 2 removed (calendar_dates.txt) */
  calendarDates: ReadonlyMap<string, ReadonlyMap<string, 1 | 2>>;
  shapes: ReadonlyMap<string, GtfsShape>;
  /** stop_id → the trips that stop there (index of the derived lookups, built once) */
  stopVisits: ReadonlyMap<string, readonly GtfsStopVisit[]>;
  /** station → its child stops (parent_station) */
  children: ReadonlyMap<string, readonly string[]>;
  /** the latest time of day any trip reaches (with its frequencies), seconds: how far a service day reaches */
  maxTime: number;
  /** feed_info.txt, when the feed has it (its first row) */
  info?: GtfsFeedInfo;
}
