/**
 * `service-messages`: the operator's notices for one display (`tabla message`), the whole current
 * set each time (an empty list clears the banner). The display keeps them and drops each at its
 * `until`, with or without a link.
 */
import { z } from 'zod';

export const ServiceMessage = z
  .object({
    id: z.string().min(1).max(64),
    text: z.string().min(1).max(500).describe('the banner, as passengers read it'),
    until: z.iso.datetime({ offset: true }).optional().describe('when it stops being shown; absent: until cleared'),
  })
  .strict();
export type ServiceMessage = z.infer<typeof ServiceMessage>;

export const ServiceMessages = z
  .object({
    messages: z.array(ServiceMessage).max(10).describe('newest first'),
  })
  .strict();
export type ServiceMessages = z.infer<typeof ServiceMessages>;
