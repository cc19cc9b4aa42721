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

export const MODULE_SETTINGS = {
  apc: ApcSettings,
  gps: GpsSettings,
  'board-watch': BoardWatchSettings,
  departures: DeparturesSettings,
} as const;

export type ModuleName = keyof typeof MODULE_SETTINGS;
export type ModuleSettingsOf<K extends ModuleName> = z.infer<(typeof MODULE_SETTINGS)[K]>;

const sections = Object.fromEntries(Object.entries(MODULE_SETTINGS).map(([name, schema]) => [name, schema.optional()])) as {
  [K in ModuleName]: z.ZodOptional<(typeof MODULE_SETTINGS)[K]>;
};

/** `settings.modules`: a section per known module, each optional (a missing one means its defaults). */
export const ModulesSettings = z.strictObject(sections).describe('per module settings, by module name');
export type ModulesSettings = z.infer<typeof ModulesSettings>;
