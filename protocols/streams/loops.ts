/** `loops`: one vehicle passing an induction loop at a car park's entry or exit. */
import { z } from 'zod';

export const LoopsRecord = z
  .object({
    carParkId: z.string().min(1).max(64).describe("the car park's id in the fleet (e.g. glazija)"),
    lane: z.string().min(1).max(32).describe('the lane the loop lies in, as wired on site (e.g. entry-1)'),
    direction: z.enum(['in', 'out']).describe('in: a vehicle entered the car park; out: one left'),
    ts: z.number().int().nonnegative().describe('when the loop fired, ms since the Unix epoch (device clock)'),
  })
  .strict();
export type LoopsRecord = z.infer<typeof LoopsRecord>;
