/**
 * One GNSS fix per receiver cycle, from parsed NMEA sentences, gated. Pure: the only clock is the
 * `now` option, used only to date a fix when the receiver never sent a date.
 *
 * Cycles. A receiver reports each solution as a burst of sentences carrying the same UTC time
 * (RMC, GGA, GLL, ZDA) plus untimed ones (GSA, VTG) that belong to the burst they arrive in. A
 * cycle ends when a timed sentence brings another time; its sentences are then merged into one fix.
 * To avoid waiting a whole cycle for that, the assembler learns which sentence ends the burst (the
 * same last sentence, e.g. the second GSA, two cycles running — gpsd's idea of a cycle ender) and
 * emits as soon as it arrives; a sentence arriving after that emission unlearns it. (A cycle of
 * one sentence, RMC only, is ended by the next one: nothing to learn.) `flush()` ends the last
 * cycle at the end of the input.
 *
 * Gates, first match wins, each counted in `rejected`:
 * - `status-v`: RMC or GLL status V (NMEA.adoc "RMC": V is no fix, or a fix below the receiver's
 *   quality threshold, e.g. DOP too high);
 * - `no-fix`: GGA quality 0, GSA mode 1, or FAA mode N (NMEA.adoc "Sentence Mixes": the mode
 *   indicator dominates the status);
 * - `no-position`: no latitude/longitude; `zero-position`: exactly 0,0 — receivers that fill
 *   fields with zeros instead of leaving them empty (NMEA.adoc "NMEA Encoding Conventions");
 * - `no-date` / `bad-date`: see dates below;
 * - `jump`: the fix implies more than `maxSpeedMps` (plus `JUMP_SLACK_M` of scatter) from the last
 *   accepted one; `duplicate` / `time-backwards`: not later than it. The gate would otherwise hold
 *   on to one bad fix forever, so a fix consistent with the previous rejected one (two fixes agreeing
 *   against one) is accepted as a new start and counted in `reanchors`.
 * A cycle with no RMC, GGA or GLL at all (a lone ZDA) is no attempt at a fix and counts nothing.
 *
 * Fix type: GSA mode 2 → '2d', 3 → '3d'. Without a GSA: '3d' when GGA has quality ≥ 1 and an
 * altitude, else '2d' — what gpsd reports in its sample logs (RMC alone 2D, RMC+GGA 3D).
 *
 * Dates. RMC carries `ddmmyy`, ZDA a full date; a cycle with neither takes the last date seen
 * (plus a day when its time of day is over 12 h before the last one: midnight passed), else the
 * `now()` day that puts the fix nearest to `now()`, else it is refused (`no-date`). GPS week
 * rollover (NMEA.adoc "Dates and times": the 10-bit week counter re-zeroes every 1024 weeks, and a
 * receiver built for an earlier period reports dates 1024 weeks in the past): a date before
 * `dateFloor` is moved 1024 weeks forward and counted in `weekRollovers`; one still before the
 * floor after that (1980-01-06, a cold receiver's default) is `bad-date`.
 */
import { DAY_MS } from './fields.js';
import type { CalendarDate, GgaSentence, GllSentence, GsaSentence, NmeaSentence, RmcSentence, VtgSentence, ZdaSentence } from './sentences.js';
import { distanceM } from '../geo.js';

export interface GnssFix {
  /** ISO 8601 UTC, milliseconds. */
  time: string;
  lat: number;
  lon: number;
  /** Speed over ground, m/s. */
  speed?: number;
  /** Course over ground, degrees true. */
  course?: number;
  fix: '2d' | '3d';
  hdop?: number;
  /** Satellites used. */
  sats?: number;
  /** Altitude above mean sea level, m. */
  alt?: number;
}

export interface FixAssemblerOptions {
  /** Fastest believable movement between accepted fixes, m/s (default 70, 252 km/h). */
  maxSpeedMps?: number;
  /** Wall clock, ms since the epoch: only to date fixes when the receiver sends no date. */
  now?: () => number;
  /** Earliest believable date, ms since the epoch (default DEFAULT_DATE_FLOOR); earlier ones are week-rollover corrected. */
  dateFloor?: number;
}

/** The code's year minus one: no receiver feeding this build can truly be earlier. Raise it with each release year. */
export const DEFAULT_DATE_FLOOR = Date.UTC(2025, 0, 1);
/** 1024 GPS weeks, the 10-bit week counter's period. */
export const WEEK_ROLLOVER_MS = 1024 * 7 * DAY_MS;
/** Scatter allowed on top of maxSpeedMps × Δt: at 10 Hz, 7 m of GNSS noise would read as 70 m/s. */
export const JUMP_SLACK_M = 10;

interface Cycle {
  /** UTC time of day, ms; undefined until a timed sentence arrives. */
  time?: number;
  rmc?: RmcSentence;
  gga?: GgaSentence;
  gll?: GllSentence;
  gsa?: GsaSentence;
  vtg?: VtgSentence;
  zda?: ZdaSentence;
  /** How many of each type so far, and the last one's key (`GSA#2`). */
  counts: Map<string, number>;
  last: string;
  emitted: boolean;
}

interface Accepted {
  ms: number;
  lat: number;
  lon: number;
}


const dayOf = (d: CalendarDate) => Date.UTC(d.year, d.month - 1, d.day);

export class FixAssembler {
  /** Cycles refused, by reason. */
  readonly rejected: Record<string, number> = {};
  /** Dates moved forward by 1024 weeks. */
  weekRollovers = 0;
  /** Fixes accepted as a new start after the jump gate had refused the one before. */
  reanchors = 0;
  readonly #maxSpeed: number;
  readonly #now: () => number;
  readonly #floor: number;
  #cycle: Cycle | null = null;
  /** The learned last sentence of a cycle, and the last cycle's (to confirm it). */
  #ender: string | null = null;
  #lastEnd: string | null = null;
  /** The last date known: its day (ms) and the time of day it came with. */
  #date: { day: number; time: number } | null = null;
  #accepted: Accepted | null = null;
  #suspect: Accepted | null = null;

  constructor(options: FixAssemblerOptions = {}) {
    this.#maxSpeed = options.maxSpeedMps ?? 70;
    this.#now = options.now ?? Date.now;
    this.#floor = options.dateFloor ?? DEFAULT_DATE_FLOOR;
  }

  /** Adds one sentence; returns a fix when this sentence completes a cycle that passes the gates. */
  push(s: NmeaSentence): GnssFix | null {
    const time = s.type === 'GSA' || s.type === 'VTG' ? undefined : s.time;
    let done: GnssFix | null = null;
    let cycle = this.#cycle;
    if (cycle && time !== undefined && cycle.time !== undefined && cycle.time !== time) {
      done = this.#close(cycle);
      cycle = null;
    }
    if (!cycle) cycle = this.#cycle = { counts: new Map(), last: '', emitted: false };
    if (cycle.time === undefined && time !== undefined) cycle.time = time;
    const n = (cycle.counts.get(s.type) ?? 0) + 1;
    cycle.counts.set(s.type, n);
    cycle.last = `${s.type}#${n}`;
    if (cycle.emitted) {
      this.#ender = null; // the cycle went on past what we took for its end
      return done;
    }
    this.#add(cycle, s);
    // Early only when nothing else is returned now (else this cycle waits for its close).
    if (done === null && cycle.last === this.#ender && cycle.time !== undefined) {
      cycle.emitted = true;
      return this.#evaluate(cycle);
    }
    return done;
  }

  /** Ends the cycle in progress (at the end of the input). */
  flush(): GnssFix | null {
    const cycle = this.#cycle;
    this.#cycle = null;
    return cycle ? this.#close(cycle) : null;
  }

  #add(c: Cycle, s: NmeaSentence): void {
    switch (s.type) {
      case 'RMC':
        c.rmc = s;
        break;
      case 'GGA':
        c.gga = s;
        break;
      case 'GLL':
        c.gll = s;
        break;
      case 'GSA':
        // Multi-constellation receivers send one GSA per system: the first with a mode decides.
        if (!c.gsa || (c.gsa.fixType === undefined && s.fixType !== undefined)) c.gsa = s;
        break;
      case 'VTG':
        c.vtg = s;
        break;
      case 'ZDA':
        c.zda = s;
        break;
    }
  }

  #close(c: Cycle): GnssFix | null {
    // A one-sentence cycle is ended by the next cycle's first sentence anyway: nothing to learn.
    const sentences = [...c.counts.values()].reduce((a, b) => a + b, 0);
    if (sentences >= 2 && c.last === this.#lastEnd) this.#ender = c.last;
    this.#lastEnd = sentences >= 2 ? c.last : null;
    return c.emitted ? null : this.#evaluate(c);
  }

  #reject(reason: string): null {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    return null;
  }

  /** The day (ms) of a date, week-rollover corrected; null if not believable. */
  #believable(day: number): number | null {
    if (day >= this.#floor) return day;
    if (day + WEEK_ROLLOVER_MS >= this.#floor) {
      this.weekRollovers++;
      return day + WEEK_ROLLOVER_MS;
    }
    return null;
  }

  /** The fix's UTC instant (ms), or a rejection reason. */
  #instant(c: Cycle, time: number): number | 'no-date' | 'bad-date' {
    const given = c.rmc?.date ?? (c.zda?.time === time ? c.zda.date : undefined);
    if (given) {
      const day = this.#believable(dayOf(given));
      if (day === null) return 'bad-date';
      this.#date = { day, time };
      return day + time;
    }
    if (this.#date) {
      // Midnight passed since the last date: the time of day went back by more than half a day.
      const day = time < this.#date.time - DAY_MS / 2 ? this.#date.day + DAY_MS : this.#date.day;
      this.#date = { day, time };
      return day + time;
    }
    const now = this.#now();
    if (!Number.isFinite(now) || now < this.#floor) return 'no-date';
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const candidates = [today - DAY_MS, today, today + DAY_MS].map((d) => d + time);
    return candidates.reduce((best, t) => (Math.abs(t - now) < Math.abs(best - now) ? t : best));
  }

  #evaluate(c: Cycle): GnssFix | null {
    const { rmc, gga, gll, gsa, vtg } = c;
    // A ZDA-only cycle still teaches the date.
    if (!rmc && !gga && !gll) {
      if (c.zda?.date && c.zda.time !== undefined) {
        const day = this.#believable(dayOf(c.zda.date));
        if (day !== null) this.#date = { day, time: c.zda.time };
      }
      return null;
    }
    if (rmc?.status === 'V' || gll?.status === 'V') return this.#reject('status-v');
    if (gga?.quality === 0 || gsa?.fixType === 1 || [rmc?.mode, gll?.mode, vtg?.mode].includes('N')) return this.#reject('no-fix');
    const pos = [gga, rmc, gll].find((s) => s?.lat !== undefined && s.lon !== undefined);
    if (!pos || c.time === undefined) return this.#reject('no-position');
    const lat = pos.lat!;
    const lon = pos.lon!;
    if (lat === 0 && lon === 0) return this.#reject('zero-position');
    const ms = this.#instant(c, c.time);
    if (typeof ms === 'string') return this.#reject(ms);
    const gate = this.#gate({ ms, lat, lon });
    if (gate) return this.#reject(gate);

    const fix: GnssFix = {
      time: new Date(ms).toISOString(),
      lat,
      lon,
      fix: gsa?.fixType === 2 || gsa?.fixType === 3 ? (`${gsa.fixType}d` as '2d' | '3d') : (gga?.quality ?? 0) >= 1 && gga?.alt !== undefined ? '3d' : '2d',
    };
    const speed = rmc?.speed ?? vtg?.speed;
    const course = rmc?.course ?? vtg?.course;
    const hdop = gga?.hdop ?? gsa?.hdop;
    const sats = gga?.sats ?? (gsa?.prns.length || undefined);
    if (speed !== undefined) fix.speed = speed;
    if (course !== undefined) fix.course = course;
    if (hdop !== undefined) fix.hdop = hdop;
    if (sats !== undefined) fix.sats = sats;
    if (gga?.alt !== undefined) fix.alt = gga.alt;
    return fix;
  }

  /** Null when `p` may follow the last accepted fix (and becomes it); else why not. */
  #gate(p: Accepted): string | null {
    const last = this.#accepted;
    const reason = last ? this.#follows(last, p) : null;
    if (reason === null) {
      this.#accepted = p;
      this.#suspect = null;
      return null;
    }
    if (this.#suspect && this.#follows(this.#suspect, p) === null) {
      this.reanchors++;
      this.#accepted = p;
      this.#suspect = null;
      return null;
    }
    this.#suspect = p;
    return reason;
  }

  #follows(a: Accepted, b: Accepted): string | null {
    const dt = (b.ms - a.ms) / 1000;
    if (dt === 0) return 'duplicate';
    if (dt < 0) return 'time-backwards';
    return distanceM(a, b) > this.#maxSpeed * dt + JUMP_SLACK_M ? 'jump' : null;
  }
}
