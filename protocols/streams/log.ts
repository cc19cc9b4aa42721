/**
 * `log`: a log line of a device's log ring (device/log-ring.ts) shipped to the fleet on demand
 * (`logs`) or while a technician follows it (`logs-follow`), in the outbox's lowest lane. The
 * record's `ts` is when the line was logged; `line` is its number in the device's ring (the fleet
 * keeps a line once however often it is shipped); a line without `line` is a note of the shipper
 * itself (lines dropped by the rate limit).
 */
import { z } from 'zod';
import { LogLevel } from '../mqtt/messages.js';

export const LogRecord = z
  .object({
    module: z.string().min(1).max(64).describe('the module (or core part) that logged it: `agent`, `link`, `cmd`, `departures`, …'),
    level: LogLevel.describe('error, warn, info or debug'),
    msg: z.string().max(1000).describe('the message, one line'),
    fields: z.record(z.string(), z.unknown()).optional().describe('structured detail, as in the local log line'),
    line: z.number().int().positive().optional().describe("the line's number in the device's log ring"),
  })
  .strict();
export type LogRecord = z.infer<typeof LogRecord>;
