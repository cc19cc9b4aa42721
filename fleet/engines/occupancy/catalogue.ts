/**
 * The car park catalogue: one JSON document per site, put whole (`PUT /api/parking/car-parks`,
 * `tabla parking import <file.json>`), checked here with one schema that gives the type, the
 * defaults and the reasons by path.
 *
 * ```json
 * { "site": "celje", "timeZone": "Europe/Ljubljana",
 *   "carParks": [{ "id": "glazija", "name": "Garažna hiša Glazija", "kind": "garage",
 *     "lat": 46.2337, "lon": 15.2604, "address": "Ljubljanska cesta 20, Celje", "capacity": 420,
 *     "panelLabel": "GLAZIJA",
 *     "thresholds": { "almostFull": { "upPercent": 90, "downPercent": 85 },
 *                     "full": { "upPercent": 98, "upFree": 3, "downPercent": 95 } },
 *     "openingHours": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "from": "06:00", "to": "22:00" }],
 *     "staleAfterS": 3600, "recalibrate": { "at": "03:30", "count": 0 } }] }
 * ```
 *
 * Thresholds follow DATEX II `ParkingThresholds` (almostFull/full, each Increasing/Decreasing: the
 * state goes up at one level and back at a lower one). They are written as percentages of the
 * capacity (and, for full, a number of free spaces: a car park is full when either is reached) so
 * that one default fits every size, and resolved to free-space counts per car park, as DATEX II
 * states them (`resolveThresholds`). Without `openingHours` a car park is open day and night.
 */
import { z } from 'zod';
import { isTimeZone } from '../../../protocols/gtfs/time.js';

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HHMM_24 = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** Minutes since local midnight of `HH:MM` (`24:00` is 1440). */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const Percent = z.number().min(1).max(100);

export const Thresholds = z
  .object({
    almostFull: z
      .object({
        upPercent: Percent.default(90).describe('occupied share at or above which the state rises to almostFull'),
        downPercent: Percent.default(85).describe('occupied share at or below which it falls back to spacesAvailable'),
      })
      .strict()
      .default({ upPercent: 90, downPercent: 85 }),
    full: z
      .object({
        upPercent: Percent.default(98).describe('occupied share at or above which the state rises to full'),
        upFree: z.number().int().min(0).max(1000).default(3).describe('or this few free spaces (whichever comes first)'),
        downPercent: Percent.default(95).describe('occupied share at or below which it falls back to almostFull'),
      })
      .strict()
      .default({ upPercent: 98, upFree: 3, downPercent: 95 }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.almostFull.downPercent >= t.almostFull.upPercent) {
      ctx.addIssue({ code: 'custom', path: ['almostFull', 'downPercent'], message: `must be below upPercent (${t.almostFull.upPercent}): the way back is lower than the way up` });
    }
    if (t.full.downPercent >= t.full.upPercent) {
      ctx.addIssue({ code: 'custom', path: ['full', 'downPercent'], message: `must be below upPercent (${t.full.upPercent}): the way back is lower than the way up` });
    }
    if (t.full.upPercent < t.almostFull.upPercent) {
      ctx.addIssue({ code: 'custom', path: ['full', 'upPercent'], message: `must not be below almostFull.upPercent (${t.almostFull.upPercent})` });
    }
  });
export type Thresholds = z.infer<typeof Thresholds>;

export const OpeningRange = z
  .object({
    days: z.array(z.enum(DAYS)).min(1).max(7).describe('the days the range begins on'),
    from: z.string().regex(HHMM, 'HH:MM, 00:00 to 23:59'),
    to: z.string().regex(HHMM_24, 'HH:MM, 00:01 to 24:00; earlier than from: past midnight into the next day'),
  })
  .strict()
  .refine((r) => r.from !== r.to, { message: 'from and to are the same time: write 00:00–24:00 for a whole day', path: ['to'] });
export type OpeningRange = z.infer<typeof OpeningRange>;

export const CarParkDefinition = z
  .object({
    id: z.string().regex(ID, 'lower-case letters, digits and dashes (the carParkId the counters send)'),
    name: z.string().trim().min(1).max(100),
    kind: z.enum(['garage', 'open']),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    address: z.string().max(200).optional(),
    capacity: z.number().int().min(1).max(100_000),
    panelLabel: z.string().trim().min(1).max(32).optional().describe('the name a guidance panel shows (default: the id in capitals)'),
    thresholds: Thresholds.default({ almostFull: { upPercent: 90, downPercent: 85 }, full: { upPercent: 98, upFree: 3, downPercent: 95 } }),
    openingHours: z.array(OpeningRange).max(28).optional().describe('weekly ranges in the site time zone; absent: open 24/7'),
    staleAfterS: z.number().int().min(60).max(7 * 86_400).default(3600).describe('open, and no count for this long: unknown'),
    recalibrate: z
      .object({
        at: z.string().regex(HHMM, 'HH:MM local time'),
        count: z.number().int().min(0).describe('vehicles known to stay overnight'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.lat === undefined) !== (c.lon === undefined)) ctx.addIssue({ code: 'custom', path: [c.lat === undefined ? 'lat' : 'lon'], message: 'lat and lon come together' });
    if (c.recalibrate && c.recalibrate.count > c.capacity) {
      ctx.addIssue({ code: 'custom', path: ['recalibrate', 'count'], message: `${c.recalibrate.count} is more than the capacity (${c.capacity})` });
    }
  });
export type CarParkDefinition = z.infer<typeof CarParkDefinition>;

export const Catalogue = z
  .object({
    site: z.string().regex(ID, 'lower-case letters, digits and dashes'),
    timeZone: z.string().refine(isTimeZone, 'not a known IANA time zone').default('Europe/Ljubljana'),
    carParks: z.array(CarParkDefinition).max(500),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.carParks.forEach((p, i) => {
      const first = seen.get(p.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['carParks', i, 'id'], message: `${p.id} is also carParks.${first}` });
      else seen.set(p.id, i);
    });
  });
export type Catalogue = z.infer<typeof Catalogue>;
export type CatalogueInput = z.input<typeof Catalogue>;

/** One reason a catalogue is refused: where, and why. */
export interface CatalogueReason {
  path: string;
  message: string;
}

export function catalogueReasons(error: z.ZodError): CatalogueReason[] {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** The thresholds of one car park as DATEX II states them: free spaces. */
export interface FreeThresholds {
  /** free at or below this: spacesAvailable → almostFull */
  almostFullIncreasing: number;
  /** free at or above this: almostFull → spacesAvailable */
  almostFullDecreasing: number;
  /** free at or below this: → full */
  fullIncreasing: number;
  /** free at or above this: full → almostFull */
  fullDecreasing: number;
}

/**
 * Percentages to free-space counts for a capacity. The way back is always at least one space
 * above the way up, so a single car going in and out at the edge never flips the state.
 */
export function resolveThresholds(capacity: number, t: Thresholds): FreeThresholds {
  const upFree = (percent: number) => capacity - Math.ceil((capacity * percent) / 100 - 1e-9);
  const downFree = (percent: number) => capacity - Math.floor((capacity * percent) / 100 + 1e-9);
  const fullIncreasing = Math.min(capacity, Math.max(upFree(t.full.upPercent), t.full.upFree));
  const fullDecreasing = Math.max(downFree(t.full.downPercent), fullIncreasing + 1);
  const almostFullIncreasing = Math.max(upFree(t.almostFull.upPercent), fullIncreasing);
  const almostFullDecreasing = Math.max(downFree(t.almostFull.downPercent), almostFullIncreasing + 1, fullDecreasing);
  return { almostFullIncreasing, almostFullDecreasing, fullIncreasing, fullDecreasing };
}

/** The label a guidance panel shows for a car park. */
export function panelLabelOf(c: { id: string; panelLabel?: string | undefined }): string {
  return c.panelLabel ?? c.id.toUpperCase().slice(0, 32);
}
