/**
 * Committed telemetry as engines read it: each record's data checked against its stream's schema
 * once, whichever engine asks first (ingest stores what devices sent; what it means is each
 * engine's business, and several engines read the same records).
 */
import type { z } from 'zod';
import type { CommittedRecord } from '../bus.js';

const parsed = new WeakMap<z.ZodType, WeakMap<CommittedRecord, { success: boolean; data?: unknown }>>();

/** The record's data as `schema` reads it, or null when it does not fit (remembered per record). */
export function readRecord<S extends z.ZodType>(schema: S, record: CommittedRecord): z.infer<S> | null {
  let bySchema = parsed.get(schema);
  if (!bySchema) parsed.set(schema, (bySchema = new WeakMap()));
  let r = bySchema.get(record);
  if (!r) {
    const p = schema.safeParse(record.data);
    r = p.success ? { success: true, data: p.data } : { success: false };
    bySchema.set(record, r);
  }
  return r.success ? (r.data as z.infer<S>) : null;
}
