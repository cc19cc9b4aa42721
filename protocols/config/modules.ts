/**
 * Each module's section of the desired settings (`settings.modules[name]`), keyed by module name.
 * Here, not beside the module, so that the fleet validates a section before it sends it, with the
 * same schema the device applies. A module without settings has no entry (and no section).
 */
import { z } from 'zod';

export const BoardWatchSettings = z
  .object({
    intervalS: z.number().int().min(5).max(3600).default(60).describe('how often the board is read'),
    maxTemperatureC: z.number().min(30).max(110).default(75).describe('SoC temperature above which the module is degraded'),
    minFreeBytes: z
      .number()
      .int()
      .nonnegative()
      .default(64 * 1024 * 1024)
      .describe('free disk under the data directory below which the module is degraded'),
  })
  .strict();
export type BoardWatchSettings = z.infer<typeof BoardWatchSettings>;

/** A time zone the runtime knows (IANA name, e.g. Europe/Ljubljana). */
const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a known IANA time zone' },
);

/**
 * The stop display (`departures`): what it lists and how it words it (plan.ts), when the e-paper
 * glass may refresh (refresh.ts). Flat keys, so `tabla config set modules.departures.<key>` reaches each.
 */
export const DeparturesSettings = z
  .object({
    timeZone: TimeZone.default('Europe/Ljubljana').describe("the stop's local time zone, for every time shown and the frame summary"),
    horizonMin: z.number().int().min(30).max(180).default(60).describe('departures this many minutes ahead are listed; none within it: the "no departures" screen'),
    countdownMin: z.number().int().min(0).max(60).default(20).describe('up to this many minutes away a departure shows as `N min`, later as its clock time'),
    realtimeMaxAgeS: z.number().int().min(30).max(600).default(90).describe('a live time the fleet has not vouched for this long is shown as scheduled'),
    liveMaxAgeS: z
      .number()
      .int()
      .min(30)
      .max(3600)
      .default(180)
      .describe('without the fleet for this long the display shows its own timetable, marked scheduled, with a notice'),
    outOfServiceDetail: z.string().max(100).optional().describe('second line of the out-of-service and no-data screens (e.g. where to find the timetable)'),
    tickS: z.number().min(1).max(60).default(5).describe('how often the screen is planned again without new content (departures leave, minutes pass)'),
    refreshMinIntervalS: z.number().min(0).max(600).default(30).describe('least time between two refreshes of the glass; a change inside it waits'),
    fullRefreshEvery: z.number().int().min(1).max(1000).default(10).describe('a full refresh after this many partial ones (clears ghosting)'),
    dailyFullRefreshHour: z.number().int().min(0).max(23).default(3).describe('the first refresh after this local hour each day is a full one'),
    fullRefreshAboveShare: z.number().min(0).max(1).default(0.5).describe('changed windows covering more than this share of the glass: a full refresh'),
    minTemperatureC: z.number().min(-40).max(30).default(0).describe("below this the panel is not refreshed (its datasheet's range)"),
    maxTemperatureC: z.number().min(20).max(80).default(50).describe('above this the panel is not refreshed'),
    ambientTemperatureC: z.number().min(-40).max(80).optional().describe('the temperature to judge by when the panel has no sensor of its own'),
    quietAfterMin: z.number().int().min(0).max(240).default(20).describe("quiet hours begin this long after the day's last timetabled departure"),
    quietBeforeMin: z.number().int().min(0).max(240).default(30).describe("and end this long before the next day's first"),
  })
  .strict();
export type DeparturesSettings = z.infer<typeof DeparturesSettings>;

export const GpsSettings = z
  .object({
    movingIntervalS: z.number().min(0.5).max(60).default(1).describe('seconds between records while the bus moves'),
    parkedIntervalS: z.number().min(1).max(3600).default(30).describe('seconds between records while it stands'),
    movingSpeedMps: z.number().min(0).max(10).default(1).describe('speed over ground above which the bus counts as moving, m/s'),
    minMoveM: z.number().min(0).max(500).default(15).describe('a position this far from the last record counts as moving, metres'),
  })
  .strict();
export type GpsSettings = z.infer<typeof GpsSettings>;

export const ApcSettings = z
  .object({
    visitQuietS: z.number().min(2).max(600).default(20).describe('seconds without a crossing that end a stop visit (one apc record)'),
  })
  .strict();
export type ApcSettings = z.infer<typeof ApcSettings>;

/** The interactive information panel (`kiosk`): its loopback page for the kiosk browser, and how the page behaves. */
export const KioskSettings = z
  .object({
    port: z.number().int().min(0).max(65535).default(8090).describe('the page and its JSON on http://127.0.0.1:<port>/ (0: any free port)'),
    languages: z
      .array(z.enum(['sl', 'en']))
      .min(1)
      .max(2)
      .refine((l) => new Set(l).size === l.length, { message: 'a language twice' })
      .default(['sl', 'en'])
      .describe('the languages of the page, the first shown by default (one: no toggle)'),
    tabs: z
      .array(z.enum(['parking', 'buses', 'notices']))
      .min(1)
      .max(3)
      .refine((t) => new Set(t).size === t.length, { message: 'a tab twice' })
      .default(['parking', 'buses', 'notices'])
      .describe('the tabs, in the order they cycle'),
    cycleS: z.number().int().min(5).max(600).default(15).describe('seconds each tab is shown before the next, while nobody touches the screen'),
    touchPauseS: z.number().int().min(5).max(3600).default(60).describe('after a touch, cycling waits this long (then the default language returns)'),
    staleAfterS: z.number().int().min(30).max(3600).default(180).describe('data older than this is marked as not updated, as it is when the fleet is unreachable'),
    pollS: z.number().min(1).max(60).default(3).describe('how often the page reads the latest data from the agent'),
    timeZone: TimeZone.default('Europe/Ljubljana').describe('the local time zone of the times shown'),
  })
  .strict();
export type KioskSettings = z.infer<typeof KioskSettings>;

/** The arrows a guidance panel's row can carry (as the panel is mounted), and how the 7-bit sign draws each. */
export const PANEL_ARROWS = ['left', 'right', 'straight', 'none'] as const;
export type PanelArrow = (typeof PANEL_ARROWS)[number];

/** A local time of day, `HH:MM` (24 h). */
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (00:00–23:59)');

/**
 * The parking guidance panel (`panel`): one sign row per car park, in the order the panel is
 * mounted, each with its arrow; when its counts go stale; how bright the LEDs are by time of day.
 * The fleet sends the counts (`parking-counts`); everything about the glass is decided here.
 */
export const PanelSettings = z
  .object({
    rows: z
      .array(
        z
          .object({
            carParkId: z.string().min(1).max(64).describe("the car park's id in the fleet (as in the panel's carParks label)"),
            arrow: z.enum(PANEL_ARROWS).default('straight').describe('left `<` and straight `^` before the name, right `>` after the number, none: no arrow'),
            label: z.string().min(1).max(32).optional().describe("what the row calls the car park (default the fleet's label)"),
          })
          .strict(),
      )
      .max(16)
      .refine((r) => new Set(r.map((x) => x.carParkId)).size === r.length, { message: 'a car park twice' })
      .default([])
      .describe("the sign's rows, top first; empty: the fleet's rows in its order, without arrows"),
    staleAfterS: z.number().int().min(30).max(3600).default(300).describe("counts older than this (or past the content's validUntil, whichever is first) are shown as --"),
    timeZone: TimeZone.default('Europe/Ljubljana').describe("the panel's local time zone, for the brightness schedule"),
    dayFrom: TimeOfDay.default('06:30').describe('local time the day brightness begins'),
    nightFrom: TimeOfDay.default('20:00').describe('local time the night brightness begins'),
    dayBrightness: z.number().int().min(0).max(100).default(100).describe('LED brightness by day, percent (the sign takes the nearest of 100, 86, 72, 58, 44)'),
    nightBrightness: z.number().int().min(0).max(100).default(44).describe('LED brightness by night, percent'),
    tickS: z.number().min(1).max(60).default(5).describe('how often the rows are looked at again without new content (staleness, brightness, sign health)'),
  })
  .strict();
export type PanelSettings = z.infer<typeof PanelSettings>;

/** A car park's id in the fleet (glazija), as the `loops` stream carries it. */
const CarParkId = z.string().min(1).max(64);

/**
 * The car-park counter (`counter`): which car park each loop lane counts for and which way its
 * vehicles go, and the local occupancy estimate it keeps from its own counts. Lane kinds, with the
 * wiring rule of hardware/loop/loop.ts (loop A is the one a vehicle meets first in the lane's normal
 * direction of travel): `entry` records A→B as `in`, `exit` records A→B as `out`, `both` (a two-way
 * lane, A the outer loop) records A→B as `in` and B→A as `out`. A one-way lane's vehicle going the
 * wrong way is recorded the other way round, and counted as wrong-way.
 */
export const CounterSettings = z
  .object({
    lanes: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a lane name: 1–32 of A–Z a–z 0–9 - _'),
        z
          .object({
            carParkId: CarParkId.describe("the car park this lane's vehicles enter or leave"),
            kind: z.enum(['entry', 'exit', 'both']).describe('entry: A→B is in; exit: A→B is out; both: A→B in, B→A out (A the outer loop)'),
          })
          .strict(),
      )
      .default({})
      .describe('each lane of hardware.loops, by its name'),
    carParks: z
      .record(
        CarParkId,
        z
          .object({
            capacity: z.number().int().positive().max(100_000).optional().describe('spaces: the estimate is kept at or below it'),
            nightlyCount: z.number().int().nonnegative().max(100_000).optional().describe('vehicles inside at night (residents, fleet cars): the estimate is set to it at nightlyAt; none: no recalibration'),
            nightlyAt: TimeOfDay.default('03:00').describe('local time of the nightly recalibration'),
          })
          .strict()
          .refine((c) => c.capacity === undefined || c.nightlyCount === undefined || c.nightlyCount <= c.capacity, { message: 'nightlyCount is more than capacity', path: ['nightlyCount'] }),
      )
      .default({})
      .describe('per car park counted here: capacity and nightly recalibration'),
    timeZone: TimeZone.default('Europe/Ljubljana').describe('the local time zone of nightlyAt'),
  })
  .strict();
export type CounterSettings = z.infer<typeof CounterSettings>;

/**
 * The counter's verb `adjust`: a manual correction of a car park's local estimate, by `delta`
 * vehicles or `set` to a count (exactly one), with who did it and why.
 */
export const CounterAdjustArgs = z
  .object({
    carParkId: CarParkId,
    delta: z.number().int().min(-100_000).max(100_000).optional().describe('vehicles to add (negative: to take away)'),
    set: z.number().int().nonnegative().max(100_000).optional().describe('the count to set'),
    reason: z.string().min(1).max(200).describe('why (counted by hand at 14:10, a missed trailer)'),
    by: z.string().min(1).max(64).describe('who'),
  })
  .strict()
  .refine((a) => (a.delta === undefined) !== (a.set === undefined), { message: 'give exactly one of delta and set' });
export type CounterAdjustArgs = z.infer<typeof CounterAdjustArgs>;

export const MODULE_SETTINGS = {
  apc: ApcSettings,
  counter: CounterSettings,
  gps: GpsSettings,
  'board-watch': BoardWatchSettings,
  departures: DeparturesSettings,
  kiosk: KioskSettings,
  panel: PanelSettings,
} as const;

export type ModuleName = keyof typeof MODULE_SETTINGS;
export type ModuleSettingsOf<K extends ModuleName> = z.infer<(typeof MODULE_SETTINGS)[K]>;

const sections = Object.fromEntries(Object.entries(MODULE_SETTINGS).map(([name, schema]) => [name, schema.optional()])) as {
  [K in ModuleName]: z.ZodOptional<(typeof MODULE_SETTINGS)[K]>;
};

/** `settings.modules`: a section per known module, each optional (a missing one means its defaults). */
export const ModulesSettings = z.strictObject(sections).describe('per module settings, by module name');
export type ModulesSettings = z.infer<typeof ModulesSettings>;
