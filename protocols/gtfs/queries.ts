/**
 * Questions asked of a loaded feed, as pure functions over the model: which services run on a
 * date, what leaves a stop in a window of time, a trip's shape, and a summary. Times of day become
 * instants through the feed's time zone: a service day starts at local noon minus 12 h (GTFS
 * reference, "Field Types": Time), so DST change days come out right.
 */
import type { GtfsFeed, GtfsFeedInfo, GtfsRoute, GtfsShape } from './model.js';
import { addDays, isIsoDate, localDate, serviceDayStart, weekday } from './time.js';

/** The widest window `departuresAt` answers (a bound on the work, not a feature). */
export const MAX_DEPARTURE_WINDOW_MS = 8 * 86_400_000;

/** The service_ids that run on a date (`YYYY-MM-DD`): calendar weekdays within its range, then calendar_dates added and removed. */
export function servicesOn(feed: GtfsFeed, date: string): string[] {
  if (!isIsoDate(date)) throw new RangeError(`not a date YYYY-MM-DD: ${date.slice(0, 40)}`);
  const day = weekday(date);
  const running = new Set<string>();
  for (const c of feed.calendars.values()) if (c.weekdays[day] && c.startDate <= date && date <= c.endDate) running.add(c.serviceId);
  for (const [serviceId, type] of feed.calendarDates.get(date) ?? []) {
    if (type === 1) running.add(serviceId);
    else running.delete(serviceId);
  }
  return [...running].sort();
}

export interface GtfsDeparture {
  stopId: string;
  stopSequence: number;
  tripId: string;
  routeId: string;
  /** route_short_name, else route_long_name */
  routeName: string;
  routeColor: string;
  routeTextColor: string;
  /** stop_headsign, else trip_headsign, else the name of the trip's last stop */
  headsign: string;
  /** the service day the trip belongs to (a 25:10:00 departure is on the day before the clock's) */
  serviceDate: string;
  /** seconds since the service day's start, as the timetable writes it (25:10:00 is 90 600) */
  time: number;
  departsAt: Date;
  /**
   * true for a timetable time: a timepoint of a scheduled trip, or a frequency with exact_times 1;
   * false for a headway-based trip (exact_times 0: "about every N min") or an approximate time.
   */
  exact: boolean;
  /** the headway, when the trip runs from frequencies.txt */
  headwaySecs?: number;
}

/**
 * Scheduled departures from a stop (or, for a station, from its platforms) in [from, to), sorted
 * by time. Frequency-based trips are expanded per headway: a departure at start + n × headway +
 * the stop's offset into the trip, for every start before the frequency's end_time. A trip's last
 * stop (it arrives, nobody boards) and stops without pickup (pickup_type 1) are left out.
 */
export function departuresAt(feed: GtfsFeed, stopId: string, from: Date, to: Date, timeZone = feed.timeZone): GtfsDeparture[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError('from and to must be valid dates');
  if (toMs - fromMs > MAX_DEPARTURE_WINDOW_MS) throw new RangeError(`a window of at most ${MAX_DEPARTURE_WINDOW_MS / 86_400_000} days`);
  const out: GtfsDeparture[] = [];
  if (toMs <= fromMs) return out;
  const stopIds = [stopId, ...(feed.children.get(stopId) ?? [])];
  // Every service day whose trips could reach into the window (a day reaches maxTime past its start).
  const last = addDays(localDate(toMs, timeZone), 1);
  for (let date = addDays(localDate(fromMs - feed.maxTime * 1000, timeZone), -1); date <= last; date = addDays(date, 1)) {
    const start = serviceDayStart(date, timeZone);
    const lo = (fromMs - start) / 1000;
    const hi = (toMs - start) / 1000;
    if (hi <= 0 || lo > feed.maxTime) continue;
    const services = new Set(servicesOn(feed, date));
    for (const id of stopIds) {
      for (const { trip, index } of feed.stopVisits.get(id) ?? []) {
        if (!services.has(trip.serviceId) || index === trip.stopTimes.length - 1) continue;
        const st = trip.stopTimes[index]!;
        if (st.pickupType === 1) continue;
        const route = feed.routes.get(trip.routeId)!;
        const base = {
          stopId: id,
          stopSequence: st.stopSequence,
          tripId: trip.id,
          routeId: route.id,
          routeName: routeName(route),
          routeColor: route.color,
          routeTextColor: route.textColor,
          headsign: st.stopHeadsign ?? trip.headsign ?? feed.stops.get(trip.stopTimes[trip.stopTimes.length - 1]!.stopId)?.name ?? '',
          serviceDate: date,
        };
        const add = (time: number, exact: boolean, headwaySecs?: number) =>
          out.push({ ...base, time, departsAt: new Date(start + time * 1000), exact, ...(headwaySecs !== undefined ? { headwaySecs } : {}) });
        if (trip.frequencies.length === 0) {
          if (st.departure >= lo && st.departure < hi) add(st.departure, st.timepoint);
          continue;
        }
        const offset = st.departure - trip.stopTimes[0]!.departure;
        for (const f of trip.frequencies) {
          const n0 = Math.max(0, Math.ceil((lo - offset - f.start) / f.headwaySecs));
          for (let t0 = f.start + n0 * f.headwaySecs; t0 < f.end && t0 + offset < hi; t0 += f.headwaySecs) {
            add(t0 + offset, f.exactTimes, f.headwaySecs);
          }
        }
      }
    }
  }
  return out.sort((a, b) => a.departsAt.getTime() - b.departsAt.getTime() || a.routeName.localeCompare(b.routeName) || a.tripId.localeCompare(b.tripId));
}

/** The shape a trip follows, or null (no trip, or a trip without shape_id). */
export function tripShape(feed: GtfsFeed, tripId: string): GtfsShape | null {
  const shapeId = feed.trips.get(tripId)?.shapeId;
  return shapeId === undefined ? null : (feed.shapes.get(shapeId) ?? null);
}

export function routeName(route: GtfsRoute): string {
  return route.shortName ?? route.longName ?? route.id;
}

export interface GtfsFeedSummary {
  agencies: { name: string; url: string }[];
  timeZone: string;
  routes: { id: string; name: string; longName?: string; type: number; color: string; textColor: string }[];
  stops: number;
  trips: number;
  stopTimes: number;
  shapes: number;
  /** trips that run from frequencies.txt */
  frequencyTrips: number;
  /** the first and last dates any service is scheduled (calendar ranges and added dates), or null */
  serviceDates: { first: string; last: string } | null;
  /** feed_info.txt (publisher, version, the dates the feed covers), or null when the feed has none */
  info: GtfsFeedInfo | null;
}

export function feedSummary(feed: GtfsFeed): GtfsFeedSummary {
  let stopTimes = 0;
  let frequencyTrips = 0;
  for (const t of feed.trips.values()) {
    stopTimes += t.stopTimes.length;
    if (t.frequencies.length) frequencyTrips++;
  }
  const dates: string[] = [];
  for (const c of feed.calendars.values()) if (c.weekdays.some(Boolean)) dates.push(c.startDate, c.endDate);
  for (const [date, services] of feed.calendarDates) if ([...services.values()].includes(1)) dates.push(date);
  dates.sort();
  return {
    agencies: feed.agencies.map((a) => ({ name: a.name, url: a.url })),
    timeZone: feed.timeZone,
    routes: [...feed.routes.values()].map((r) => ({
      id: r.id,
      name: routeName(r),
      ...(r.longName !== undefined ? { longName: r.longName } : {}),
      type: r.type,
      color: r.color,
      textColor: r.textColor,
    })),
    stops: feed.stops.size,
    trips: feed.trips.size,
    stopTimes,
    shapes: feed.shapes.size,
    frequencyTrips,
    serviceDates: dates.length ? { first: dates[0]!, last: dates[dates.length - 1]! } : null,
    info: feed.info ?? null,
  };
}
