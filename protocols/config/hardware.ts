/**
 * The agent config's `hardware` section: which drivers the role's modules get (hardware/<class>/),
 * each by `kind` — the real one on a board, a simulated one for the demo town and tests.
 */
import { z } from 'zod';

const bcm = z.number().int().min(0).max(53).describe('BCM GPIO number (the header pin names, not physical pin numbers)');
const door = z.number().int().min(1).max(8).describe('door number, 1 at the front');

const counting = {
  debounceMs: z.number().int().min(0).max(1000).optional().describe('beam flickers shorter than this are ignored (default 30)'),
  stallMs: z.number().int().min(100).max(60_000).optional().describe('both beams broken this long is a stalled crossing (default 2000)'),
  stuckMs: z.number().int().min(1000).optional().describe('a beam broken this long raises beam-stuck (default 60000)'),
};

export const DoorsHardware = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('gpio'),
      doors: z.array(z.object({ door, a: bcm.describe('the outer beam'), b: bcm.describe('the inner beam') }).strict()).min(1).max(8),
      brokenWhen: z.enum(['low', 'high']).default('low').describe("the receiver's level while its beam is broken"),
      ...counting,
    })
    .strict(),
  z.object({ kind: z.literal('simulated'), doors: z.array(door).min(1).max(8).default([1, 2]), ...counting }).strict(),
]);
export type DoorsHardware = z.infer<typeof DoorsHardware>;

export const HardwareConfig = z
  .object({
    doors: DoorsHardware.optional().describe('door passenger counters (bus)'),
  })
  .strict();
export type HardwareConfig = z.infer<typeof HardwareConfig>;
