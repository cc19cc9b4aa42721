/**
 * What a stop display shows, decided before anything is drawn: the plan (board + timetable + clock
 * + link → Screen, plan.ts) and the drawing (Screen → 1-bpp frame, device/render/) meet here.
 * Every string is final, in Slovenian, as the passenger reads it: the renderer only lays it out
 * (and shortens what does not fit, never mid-letter).
 */

/** How full the bus is, from its passenger counters. */
export type ScreenLoad = 'seats' | 'standing' | 'full';

export interface ScreenRow {
  /** The line's public name (`rumena`) or letter; drawn as a badge. */
  line: string;
  /** The line's colour, #rrggbb (a black/white panel draws the badge from its name; kept for colour panels). */
  colour?: string;
  /** Where it goes (the headsign). */
  destination: string;
  /** `zdaj`, `3 min`, or a clock time `14:05` beyond the threshold. */
  time: string;
  /** From the timetable, not a live prediction: drawn with the scheduled mark. */
  scheduled: boolean;
  load?: ScreenLoad;
}

interface ScreenBase {
  /** The stop's name as passengers know it (č, š, ž). */
  stop: string;
  /** The clock in the header, `14:03`. */
  clock: string;
  /** The footer's time of the last update from the fleet, `Posodobljeno 14:02`, or null when there was none. */
  updated: string | null;
  /** A service message from the operator (a banner at the foot), or null. */
  banner: string | null;
  /** A line about the data itself, e.g. `Podatki v živo trenutno niso na voljo`, or null. */
  notice: string | null;
  /** Bike share near the stop, `Kolesa: Mestni park 4 kolesa · 6 mest`, while its data is live; absent or null: no line. */
  bikes?: string | null;
}

/** The next departures. */
export interface BoardScreen extends ScreenBase {
  kind: 'board';
  /** Soonest first; as many as fit (the renderer draws at most `MAX_ROWS`). */
  rows: ScreenRow[];
}

/**
 * No departure to list: `none-within-hour` (the next is later: `next` says when),
 * `none-today` (no more today: `next` may name tomorrow's first), `not-served` (no service at this
 * stop today), `no-data` (no board and no timetable yet).
 */
export interface EmptyScreen extends ScreenBase {
  kind: 'empty';
  reason: 'none-within-hour' | 'none-today' | 'not-served' | 'no-data';
  /** The explanation shown large, e.g. `Ni odhodov v naslednji uri`. */
  title: string;
  /** A second line, e.g. `Naslednji odhod ob 15:40 (rumena → Center)`, or null. */
  detail: string | null;
}

/** Shown before a clean shutdown and after a fault it cannot recover from: no live numbers left on the glass. */
export interface OutOfServiceScreen {
  kind: 'out-of-service';
  stop: string | null;
  /** `Prikazovalnik ne deluje`. */
  title: string;
  /** e.g. `Vozni red: lokalc.velenje.si`, or null. */
  detail: string | null;
}

export type Screen = BoardScreen | EmptyScreen | OutOfServiceScreen;

/** The rows a 800×480 panel shows. */
export const MAX_ROWS = 7;
