/**
 * One zod schema per GTFS file, for the fields Tabla uses (GTFS Schedule reference, "Dataset
 * Files"), each turning a CSV row (column → text, empty cells left out) into its typed row. A row
 * that fails is skipped and reported with the field and the rule. `columns` are the columns a file
 * must have for its rows to mean anything; the rest may be absent.
 */
import { z } from 'zod';
import { isTimeZone, parseGtfsDate, parseGtfsTime } from './time.js';

const INT = /^[+-]?\d{1,15}$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/;

const int = (min: number, max: number) =>
  z.string().regex(INT, 'not an integer').transform(Number).pipe(z.number().min(min, `below ${min}`).max(max, `above ${max}`));
const float = (min: number, max: number) =>
  z.string().regex(FLOAT, 'not a number').transform(Number).pipe(z.number().min(min, `below ${min}`).max(max, `above ${max}`));
/** '0' | '1' | '2' → 0 | 1 | 2 */
type Digits<S> = S extends `${infer N extends number}` ? N : never;
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `not one of ${values.join(', ')}` }).transform((v) => Number(v) as Digits<T[number]>);
const bit = z.enum(['0', '1'], { error: 'not 0 or 1' }).transform((v) => v === '1');

/** HH:MM:SS, hours past 24 allowed → seconds since the service day's start. */
const time = z.string().transform((s, ctx) => {
  const t = parseGtfsTime(s);
  if (t === null) ctx.addIssue({ code: 'custom', message: 'not a time HH:MM:SS' });
  return t ?? 0;
});
/** YYYYMMDD → YYYY-MM-DD */
const date = z.string().transform((s, ctx) => {
  const d = parseGtfsDate(s);
  if (d === null) ctx.addIssue({ code: 'custom', message: 'not a date YYYYMMDD' });
  return d ?? '';
});
const color = z
  .string()
  .regex(/^[0-9A-Fa-f]{6}$/, 'not a colour: six hex digits, no #')
  .transform((s) => s.toUpperCase());
const latitude = float(-90, 90);
const longitude = float(-180, 180);

export const AgencyRow = z
  .object({
    agency_id: z.string().optional(),
    agency_name: z.string(),
    agency_url: z.string(),
    agency_timezone: z.string().refine(isTimeZone, 'not an IANA time zone (Europe/Ljubljana)'),
    agency_lang: z.string().optional(),
  })
  .transform((r) => ({ id: r.agency_id, name: r.agency_name, url: r.agency_url, timeZone: r.agency_timezone, lang: r.agency_lang }));

export const StopRow = z
  .object({
    stop_id: z.string(),
    stop_name: z.string().optional(),
    stop_lat: latitude.optional(),
    stop_lon: longitude.optional(),
    parent_station: z.string().optional(),
    location_type: oneOf(['0', '1', '2', '3', '4']).optional(),
  })
  .superRefine((r, ctx) => {
    const type = r.location_type ?? 0;
    // location_type 0–2 (stop, station, entrance): name and position required
    for (const field of ['stop_name', 'stop_lat', 'stop_lon'] as const) {
      if (type <= 2 && r[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for location_type ${type}` });
    }
    // parent_station: required for 2–4, forbidden for a station
    if (type >= 2 && r.parent_station === undefined) ctx.addIssue({ code: 'custom', path: ['parent_station'], message: `required for location_type ${type}` });
    if (type === 1 && r.parent_station !== undefined) ctx.addIssue({ code: 'custom', path: ['parent_station'], message: 'a station (location_type 1) has no parent' });
  })
  .transform((r) => ({
    id: r.stop_id,
    name: r.stop_name,
    lat: r.stop_lat,
    lon: r.stop_lon,
    parentStation: r.parent_station,
    locationType: r.location_type ?? 0,
  }));

export const RouteRow = z
  .object({
    route_id: z.string(),
    agency_id: z.string().optional(),
    route_short_name: z.string().optional(),
    route_long_name: z.string().optional(),
    route_type: int(0, 1702),
    route_color: color.optional(),
    route_text_color: color.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.route_short_name === undefined && r.route_long_name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['route_short_name'], message: 'route_short_name or route_long_name is required' });
    }
  })
  .transform((r) => ({
    id: r.route_id,
    agencyId: r.agency_id,
    shortName: r.route_short_name,
    longName: r.route_long_name,
    type: r.route_type,
    color: r.route_color ?? 'FFFFFF',
    textColor: r.route_text_color ?? '000000',
  }));

export const TripRow = z
  .object({
    route_id: z.string(),
    service_id: z.string(),
    trip_id: z.string(),
    trip_headsign: z.string().optional(),
    direction_id: oneOf(['0', '1']).optional(),
    block_id: z.string().optional(),
    shape_id: z.string().optional(),
  })
  .transform((r) => ({
    id: r.trip_id,
    routeId: r.route_id,
    serviceId: r.service_id,
    headsign: r.trip_headsign,
    directionId: r.direction_id,
    blockId: r.block_id,
    shapeId: r.shape_id,
  }));

export const StopTimeRow = z
  .object({
    trip_id: z.string(),
    arrival_time: time.optional(),
    departure_time: time.optional(),
    stop_id: z.string(),
    stop_sequence: int(0, 2 ** 31 - 1),
    stop_headsign: z.string().optional(),
    pickup_type: oneOf(['0', '1', '2', '3']).optional(),
    drop_off_type: oneOf(['0', '1', '2', '3']).optional(),
    shape_dist_traveled: float(0, Number.MAX_VALUE).optional(),
    timepoint: oneOf(['0', '1']).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.timepoint === 1 && r.arrival_time === undefined && r.departure_time === undefined) {
      ctx.addIssue({ code: 'custom', path: ['arrival_time'], message: 'required for a timepoint (timepoint 1)' });
    }
    if (r.arrival_time !== undefined && r.departure_time !== undefined && r.departure_time < r.arrival_time) {
      ctx.addIssue({ code: 'custom', path: ['departure_time'], message: 'before arrival_time' });
    }
  })
  .transform((r) => ({
    tripId: r.trip_id,
    // One time given stands for both (the spec: "If there are not separate times…, enter the same value").
    arrival: r.arrival_time ?? r.departure_time,
    departure: r.departure_time ?? r.arrival_time,
    stopId: r.stop_id,
    stopSequence: r.stop_sequence,
    stopHeadsign: r.stop_headsign,
    pickupType: r.pickup_type ?? 0,
    dropOffType: r.drop_off_type ?? 0,
    shapeDistTraveled: r.shape_dist_traveled,
    timepoint: r.timepoint,
  }));

export const CalendarRow = z
  .object({
    service_id: z.string(),
    monday: bit,
    tuesday: bit,
    wednesday: bit,
    thursday: bit,
    friday: bit,
    saturday: bit,
    sunday: bit,
    start_date: date,
    end_date: date,
  })
  .superRefine((r, ctx) => {
    if (r.end_date < r.start_date) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'before start_date' });
  })
  .transform((r) => ({
    serviceId: r.service_id,
    weekdays: [r.sunday, r.monday, r.tuesday, r.wednesday, r.thursday, r.friday, r.saturday] as const,
    startDate: r.start_date,
    endDate: r.end_date,
  }));

export const CalendarDateRow = z
  .object({ service_id: z.string(), date, exception_type: oneOf(['1', '2']) })
  .transform((r) => ({ serviceId: r.service_id, date: r.date, exceptionType: r.exception_type }));

export const FrequencyRow = z
  .object({
    trip_id: z.string(),
    start_time: time,
    end_time: time,
    headway_secs: int(1, 86_400),
    exact_times: oneOf(['0', '1']).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.end_time <= r.start_time) ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'not after start_time' });
  })
  .transform((r) => ({
    tripId: r.trip_id,
    start: r.start_time,
    end: r.end_time,
    headwaySecs: r.headway_secs,
    exactTimes: r.exact_times === 1,
  }));

export const ShapeRow = z
  .object({
    shape_id: z.string(),
    shape_pt_lat: latitude,
    shape_pt_lon: longitude,
    shape_pt_sequence: int(0, 2 ** 31 - 1),
    shape_dist_traveled: float(0, Number.MAX_VALUE).optional(),
  })
  .transform((r) => ({
    shapeId: r.shape_id,
    lat: r.shape_pt_lat,
    lon: r.shape_pt_lon,
    sequence: r.shape_pt_sequence,
    distTraveled: r.shape_dist_traveled,
  }));

export const FeedInfoRow = z
  .object({
    feed_publisher_name: z.string(),
    feed_publisher_url: z.string(),
    feed_lang: z.string(),
    default_lang: z.string().optional(),
    feed_start_date: date.optional(),
    feed_end_date: date.optional(),
    feed_version: z.string().optional(),
    feed_contact_email: z.string().optional(),
    feed_contact_url: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    // MobilityData's start_and_end_range_out_of_order
    if (r.feed_start_date !== undefined && r.feed_end_date !== undefined && r.feed_end_date < r.feed_start_date) {
      ctx.addIssue({ code: 'custom', path: ['feed_end_date'], message: 'before feed_start_date' });
    }
  })
  .transform((r) => ({
    publisherName: r.feed_publisher_name,
    publisherUrl: r.feed_publisher_url,
    lang: r.feed_lang,
    defaultLang: r.default_lang,
    startDate: r.feed_start_date,
    endDate: r.feed_end_date,
    version: r.feed_version,
    contactEmail: r.feed_contact_email,
    contactUrl: r.feed_contact_url,
  }));

/** The files read, the columns each must have, and whether the feed is refused without it. */
export const GTFS_FILES = {
  'agency.txt': { required: true, columns: ['agency_name', 'agency_url', 'agency_timezone'], schema: AgencyRow },
  'stops.txt': { required: true, columns: ['stop_id'], schema: StopRow },
  'routes.txt': { required: true, columns: ['route_id', 'route_type'], schema: RouteRow },
  'trips.txt': { required: true, columns: ['route_id', 'service_id', 'trip_id'], schema: TripRow },
  'stop_times.txt': { required: true, columns: ['trip_id', 'stop_id', 'stop_sequence'], schema: StopTimeRow },
  // calendar.txt or calendar_dates.txt: at least one (checked by the loader)
  'calendar.txt': {
    required: false,
    columns: ['service_id', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'start_date', 'end_date'],
    schema: CalendarRow,
  },
  'calendar_dates.txt': { required: false, columns: ['service_id', 'date', 'exception_type'], schema: CalendarDateRow },
  'frequencies.txt': { required: false, columns: ['trip_id', 'start_time', 'end_time', 'headway_secs'], schema: FrequencyRow },
  'shapes.txt': { required: false, columns: ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence'], schema: ShapeRow },
  'feed_info.txt': { required: false, columns: ['feed_publisher_name', 'feed_publisher_url', 'feed_lang'], schema: FeedInfoRow },
} as const;

export type GtfsFileName = keyof typeof GTFS_FILES;
export type GtfsRow<F extends GtfsFileName> = z.output<(typeof GTFS_FILES)[F]['schema']>;
