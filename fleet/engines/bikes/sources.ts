/**
 * Where each site's GBFS feed comes from: a URL of its `gbfs.json` (http or https) or the path of
 * a `gbfs.json` on disk whose feeds lie beside it (`station_information.json`,
 * `station_status.json`). Given by TABLA_GBFS (`site=url-or-file,…`) and by
 * `PUT /api/bikes/sources` (kept in `bikes_sources`; a stored source wins over the environment's).
 */
import path from 'node:path';
import { z } from 'zod';

export const SITE = /^[a-z0-9][a-z0-9_-]{0,63}$/u;

export const Source = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine((s) => /^https?:\/\//iu.test(s) || path.isAbsolute(s), 'an http(s) URL of gbfs.json or an absolute file path');

export const SourcesBody = z
  .object({
    sources: z
      .record(z.string().regex(SITE, 'a site: lower-case letters, digits, - and _'), Source.nullable())
      .describe('site → source; null removes the site'),
  })
  .strict();

/** TABLA_GBFS `site=url-or-file,…` → site → source; a bad entry is named in `errors` and left out. */
export function parseSourcesEnv(value: string | undefined): { sources: Map<string, string>; errors: string[] } {
  const sources = new Map<string, string>();
  const errors: string[] = [];
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const site = eq > 0 ? entry.slice(0, eq).trim() : '';
    const source = Source.safeParse(eq > 0 ? entry.slice(eq + 1) : '');
    if (!SITE.test(site) || !source.success) errors.push(`TABLA_GBFS entry "${entry.slice(0, 80)}": expected site=<http(s) URL or absolute path of gbfs.json>`);
    else sources.set(site, source.data);
  }
  return { sources, errors };
}

export const SOURCES_MIGRATION = `CREATE TABLE bikes_sources (
  site   TEXT PRIMARY KEY,
  source TEXT NOT NULL
) WITHOUT ROWID`;
