/**
 * trips.txt, stop_times.txt and frequencies.txt → trips with their ordered stop times and
 * frequencies, every reference checked. A trip whose route or service is unknown is skipped (it
 * could not be shown or would never run); a trip whose shape is unknown keeps running without it.
 * Stop times are ordered by stop_sequence and must never go back in time (MobilityData E022 in
 * GTFS-RT terms, `stop_time_with_arrival_before_previous_departure_time` in static): the row that
 * breaks the order is skipped — or, when the row before it is the odd one out (a typo making one
 * stop late), that row. Times left empty between timepoints are interpolated, by
 * shape_dist_traveled where the feed gives it, else evenly.
 */
import type { Row } from './csv.js';
import type { GtfsFrequency, GtfsRoute, GtfsShape, GtfsStop, GtfsStopTime, GtfsTrip } from './model.js';
import type { ProblemLog } from './problems.js';
import type { GtfsRow } from './schemas.js';
import { formatGtfsTime } from './time.js';

type StopTimeInput = Row<GtfsRow<'stop_times.txt'>>;

export interface TripRefs {
  routes: ReadonlyMap<string, GtfsRoute>;
  stops: ReadonlyMap<string, GtfsStop>;
  services: ReadonlySet<string>;
  shapes: ReadonlyMap<string, GtfsShape>;
}

interface TripDraft {
  trip: GtfsTrip & { stopTimes: GtfsStopTime[]; frequencies: GtfsFrequency[] };
  line: number;
  rows: StopTimeInput[];
}

export function buildTrips(
  tripRows: readonly Row<GtfsRow<'trips.txt'>>[],
  stopTimeRows: readonly StopTimeInput[],
  frequencyRows: readonly Row<GtfsRow<'frequencies.txt'>>[],
  refs: TripRefs,
  problems: ProblemLog,
): Map<string, GtfsTrip> {
  const drafts = new Map<string, TripDraft>();
  for (const { line, value: t } of tripRows) {
    const fail = (field: string, message: string) => problems.error('trips.txt', line, `${message}; row skipped`, field);
    if (drafts.has(t.id)) fail('trip_id', `trip_id ${t.id} repeats line ${drafts.get(t.id)!.line}`);
    else if (!refs.routes.has(t.routeId)) fail('route_id', `route_id ${t.routeId} is not in routes.txt`);
    else if (!refs.services.has(t.serviceId)) fail('service_id', `service_id ${t.serviceId} is in neither calendar.txt nor calendar_dates.txt`);
    else {
      let shapeId = t.shapeId;
      if (shapeId !== undefined && !refs.shapes.has(shapeId)) {
        problems.error('trips.txt', line, `shape_id ${shapeId} is not in shapes.txt; the trip is kept without a shape`, 'shape_id');
        shapeId = undefined;
      }
      const trip: TripDraft['trip'] = { ...t, shapeId, stopTimes: [], frequencies: [] };
      drafts.set(t.id, { trip, line, rows: [] });
    }
  }

  const unknownTrips = new Map<string, { line: number; count: number }>();
  for (const row of stopTimeRows) {
    const st = row.value;
    const draft = drafts.get(st.tripId);
    if (!draft) {
      const u = unknownTrips.get(st.tripId);
      if (u) u.count++;
      else unknownTrips.set(st.tripId, { line: row.line, count: 1 });
    } else if (!refs.stops.has(st.stopId)) {
      problems.error('stop_times.txt', row.line, `stop_id ${st.stopId} is not in stops.txt; row skipped`, 'stop_id');
    } else draft.rows.push(row);
  }
  for (const [tripId, { line, count }] of unknownTrips) {
    problems.error('stop_times.txt', line, `trip_id ${tripId} is not in trips.txt (or its row was skipped): ${count} row${count > 1 ? 's' : ''} skipped, the first here`, 'trip_id');
  }

  for (const { line, value: f } of frequencyRows) {
    const draft = drafts.get(f.tripId);
    if (!draft) {
      problems.error('frequencies.txt', line, `trip_id ${f.tripId} is not in trips.txt (or its row was skipped); row skipped`, 'trip_id');
      continue;
    }
    const overlap = draft.trip.frequencies.find((o) => f.start < o.end && o.start < f.end);
    if (overlap) {
      problems.error('frequencies.txt', line, `trip ${f.tripId}: ${formatGtfsTime(f.start)}–${formatGtfsTime(f.end)} overlaps ${formatGtfsTime(overlap.start)}–${formatGtfsTime(overlap.end)}; row skipped`, 'start_time');
      continue;
    }
    draft.trip.frequencies.push({ start: f.start, end: f.end, headwaySecs: f.headwaySecs, exactTimes: f.exactTimes });
  }

  const trips = new Map<string, GtfsTrip>();
  for (const draft of drafts.values()) {
    const stopTimes = orderStopTimes(draft.trip.id, draft.rows, problems);
    if (stopTimes.length < 2) {
      problems.warning('trips.txt', draft.line, `trip ${draft.trip.id} has ${stopTimes.length} usable stop time${stopTimes.length === 1 ? '' : 's'}: it is left out`, 'trip_id');
      continue;
    }
    draft.trip.stopTimes.push(...stopTimes);
    draft.trip.frequencies.sort((a, b) => a.start - b.start);
    trips.set(draft.trip.id, draft.trip);
  }
  return trips;
}

/** One trip's rows → its stop times: ordered, never going back in time, gaps interpolated. */
function orderStopTimes(tripId: string, rows: StopTimeInput[], problems: ProblemLog): GtfsStopTime[] {
  const F = 'stop_times.txt';
  rows.sort((a, b) => a.value.stopSequence - b.value.stopSequence || a.line - b.line);
  const unique: StopTimeInput[] = [];
  for (const row of rows) {
    const prev = unique[unique.length - 1];
    if (prev && prev.value.stopSequence === row.value.stopSequence) {
      problems.error(F, row.line, `trip ${tripId}: stop_sequence ${row.value.stopSequence} repeats line ${prev.line}; row skipped`, 'stop_sequence');
    } else unique.push(row);
  }
  // The first and the last stop of a trip need times (nothing to interpolate from).
  while (unique.length && unique[0]!.value.arrival === undefined) {
    problems.error(F, unique.shift()!.line, `trip ${tripId}: its first stop has no arrival_time or departure_time; row skipped`, 'arrival_time');
  }
  while (unique.length && unique[unique.length - 1]!.value.arrival === undefined) {
    problems.error(F, unique.pop()!.line, `trip ${tripId}: its last stop has no arrival_time or departure_time; row skipped`, 'arrival_time');
  }
  // Times never go back: keep each timed row that starts no earlier than the last kept one left.
  const kept: StopTimeInput[] = [];
  const timed: StopTimeInput[] = [];
  const backwards = (row: StopTimeInput, before: StopTimeInput) =>
    `trip ${tripId}: stop_times not increasing: arrival ${formatGtfsTime(row.value.arrival!)} at stop_sequence ${row.value.stopSequence} ` +
    `is before departure ${formatGtfsTime(before.value.departure!)} at stop_sequence ${before.value.stopSequence}`;
  for (const row of unique) {
    if (row.value.arrival === undefined) {
      kept.push(row);
      continue;
    }
    const last = timed[timed.length - 1];
    if (!last || row.value.arrival >= last.value.departure!) {
      timed.push(row);
      kept.push(row);
      continue;
    }
    const beforeLast = timed[timed.length - 2];
    if (beforeLast && row.value.arrival >= beforeLast.value.departure!) {
      // The last one is the odd one out (later than both its neighbours): skip it, keep this.
      problems.error(F, last.line, `${backwards(row, last)} (line ${row.line}): the earlier row is skipped`, 'departure_time');
      timed.pop();
      kept.splice(kept.lastIndexOf(last), 1);
      timed.push(row);
      kept.push(row);
    } else {
      problems.error(F, row.line, `${backwards(row, last)}; row skipped`, 'arrival_time');
    }
  }
  // The last timed stop was skipped: the untimed ones after it have nothing to interpolate to.
  while (kept.length && kept[kept.length - 1]!.value.arrival === undefined) {
    problems.error(F, kept.pop()!.line, `trip ${tripId}: no timed stop after it to interpolate from; row skipped`, 'arrival_time');
  }
  return interpolate(kept);
}

function interpolate(rows: StopTimeInput[]): GtfsStopTime[] {
  const out: GtfsStopTime[] = [];
  let from = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]!.value;
    if (v.arrival !== undefined) {
      from = i;
      out.push(stopTime(v, v.arrival, v.departure!, v.timepoint !== 0));
      continue;
    }
    let to = i + 1;
    while (rows[to]!.value.arrival === undefined) to++;
    const a = rows[from]!.value;
    const b = rows[to]!.value;
    const start = a.departure!;
    const span = b.arrival! - start;
    const dists = [a, v, b].map((x) => x.shapeDistTraveled);
    const byDistance = dists.every((d) => d !== undefined) && dists[2]! > dists[0]!;
    const share = byDistance ? (dists[1]! - dists[0]!) / (dists[2]! - dists[0]!) : (i - from) / (to - from);
    const t = start + Math.round(span * Math.min(1, Math.max(0, share)));
    out.push(stopTime(v, t, t, false));
  }
  return out;
}

function stopTime(v: GtfsRow<'stop_times.txt'>, arrival: number, departure: number, timepoint: boolean): GtfsStopTime {
  // One shape for every stop time (fields absent in the feed are undefined, never deleted: V8
  // keeps such objects small and fast, and a feed has hundreds of thousands of them).
  return {
    stopId: v.stopId,
    stopSequence: v.stopSequence,
    arrival,
    departure,
    stopHeadsign: v.stopHeadsign,
    pickupType: v.pickupType,
    dropOffType: v.dropOffType,
    shapeDistTraveled: v.shapeDistTraveled,
    timepoint,
  };
}
