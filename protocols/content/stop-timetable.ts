/**
 * `stop-timetable`: a stop display's own extract of the timetable, a few service days ahead, so
 * that with no link to the fleet it can still show the scheduled departures (marked as such).
 * Compact: each departure is `[t, line, destination]` with `t` in Unix seconds (no time zone or
 * DST to get wrong) and the indexes into `lines` and `destinations`.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

export const TimetableLine = z
  .object({
    name: z.string().min(1).max(32).describe("the line's public name (rumena)"),
    colour: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb')
      .optional(),
  })
  .strict();

export const TimetableDay = z
  .object({
    date: isoDate.describe('the service day, in the stop’s time zone'),
    /** false: no service at this stop that day (the display says so). */
    served: z.boolean(),
    departures: z
      .array(z.tuple([z.number().int().positive(), z.number().int().nonnegative(), z.number().int().nonnegative()]))
      .max(2000)
      .describe('[unix seconds, index into lines, index into destinations], soonest first'),
  })
  .strict();

export const StopTimetable = z
  .object({
    stopId: z.string().min(1).max(100).describe('the GTFS stop_id (or parent station) this extract is for'),
    stop: z.string().min(1).max(100).describe("the stop's name as passengers know it"),
    timeZone: z.string().min(1).max(64).describe("the feed's time zone"),
    generatedAt: isoTime,
    lines: z.array(TimetableLine).max(100),
    destinations: z.array(z.string().min(1).max(64)).max(500),
    days: z.array(TimetableDay).max(14).describe('consecutive service days from the first'),
  })
  .strict()
  .superRefine((t, ctx) => {
    for (const [d, day] of t.days.entries())
      for (const [i, [, line, dest]] of day.departures.entries()) {
        if (line >= t.lines.length) ctx.addIssue({ code: 'custom', path: ['days', d, 'departures', i, 1], message: `no line ${line}` });
        if (dest >= t.destinations.length) ctx.addIssue({ code: 'custom', path: ['days', d, 'departures', i, 2], message: `no destination ${dest}` });
      }
  });
export type StopTimetable = z.infer<typeof StopTimetable>;
