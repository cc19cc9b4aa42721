/** `log`: a log line a module chose to send to the fleet (warnings worth keeping, not every line). */
import { z } from 'zod';
import { LogLevel } from '../mqtt/messages.js';

export const LogRecord = z
  .object({
    module: z.string().min(1).max(64).describe('the module (or core part) that logged it'),
    level: LogLevel.describe('error, warn, info or debug'),
    msg: z.string().max(1000).describe('the message, one line'),
    fields: z.record(z.string(), z.unknown()).optional().describe('structured detail, as in the local log line'),
  })
  .strict();
export type LogRecord = z.infer<typeof LogRecord>;
