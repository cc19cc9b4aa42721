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

export const DeparturesSettings = z
  .object({
    timeZone: TimeZone.default('Europe/Ljubljana').describe("the stop's local time zone, for the times in the frame summary"),
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
