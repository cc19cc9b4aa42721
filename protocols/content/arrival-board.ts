/**
 * `arrival-board`: the next departures at one stop, as the fleet's ETA engine computed them, for a
 * stop display to show. A departure without a live prediction is shown as scheduled.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

export const Departure = z
  .object({
    line: z.string().min(1).max(32).describe("the line's public name (Lokal'c: rumena, rdeča, modra, zelena, oranžna)"),
    colour: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb')
      .optional()
      .describe("the line's colour as #rrggbb, for displays that show it"),
    destination: z.string().min(1).max(64).describe('the headsign: where the bus goes'),
    departsAt: isoTime.describe('when it leaves this stop, ISO 8601 with offset'),
    realtime: z.boolean().describe('true: predicted from the bus position; false: from the timetable (shown as scheduled)'),
    load: z.enum(['seats', 'standing', 'full']).optional().describe('how full the bus is, from its passenger counters'),
  })
  .strict();
export type Departure = z.infer<typeof Departure>;

export const ArrivalBoard = z
  .object({
    stop: z.string().min(1).max(100).describe("the stop's name as passengers know it"),
    generatedAt: isoTime.describe('when the fleet computed this board'),
    departures: z.array(Departure).max(50).describe('in the order to show them, soonest first'),
    message: z.string().max(500).optional().describe('a service notice shown under the departures'),
  })
  .strict();
export type ArrivalBoard = z.infer<typeof ArrivalBoard>;
