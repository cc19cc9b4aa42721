/**
 * One GTFS file's bytes → its valid rows, each with its line, through csv-parse and the file's
 * schema. RFC 4180 CSV, UTF-8 with an optional BOM (GTFS reference, "Dataset Files"). Whatever a
 * row gets wrong becomes a problem naming the file, the line and the field, and only that row is
 * skipped; a file without its required columns yields no rows at all (null).
 */
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { GtfsRefused, clip, type GtfsLimits, type ProblemLog } from './problems.js';
import { GTFS_FILES, type GtfsFileName, type GtfsRow } from './schemas.js';

/** One record past this is a broken quote swallowing the file, not a row. */
const MAX_RECORD_CHARS = 64 * 1024;

export interface Row<T> {
  /** the line in the file (1 is the header) */
  line: number;
  value: T;
}

export function readTable<F extends GtfsFileName>(file: F, bytes: Uint8Array, limits: GtfsLimits, problems: ProblemLog): Row<GtfsRow<F>>[] | null {
  const lines = countLines(bytes);
  if (lines > limits.rows) throw new GtfsRefused(`${file} has ${lines.toLocaleString('en')} lines, over the limit of ${limits.rows.toLocaleString('en')}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    problems.warning(file, null, 'not valid UTF-8: the bytes that are not were replaced by U+FFFD');
    text = new TextDecoder('utf-8').decode(bytes);
  }
  const spec = GTFS_FILES[file];
  const schema = spec.schema as unknown as z.ZodType<GtfsRow<F>>;
  let header: string[] | null = null;
  let unusable = false;
  const rows: Row<GtfsRow<F>>[] = [];
  const onHeader = (names: string[]) => {
    const trimmed = names.map((n) => n.trim());
    trimmed.forEach((name, i) => {
      if (name !== names[i]) problems.warning(file, 1, `column name "${clip(names[i]!, 60)}" has spaces around it`, name);
      if (trimmed.indexOf(name) !== i) problems.warning(file, 1, 'column appears twice; the last is read', name);
    });
    const missing = spec.columns.filter((c) => !trimmed.includes(c));
    if (missing.length) {
      problems.error(file, 1, `required column${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`, missing[0]);
      unusable = true;
    }
    header = trimmed;
  };
  const onRecord = (names: string[], record: string[], line: number) => {
    const cells: Record<string, string> = {};
    names.forEach((name, i) => {
      const raw = record[i]!;
      const v = raw.trim();
      if (v !== raw) problems.warning(file, line, `value "${clip(raw, 60)}" has spaces around it`, name);
      if (v !== '') cells[name] = v;
    });
    const parsed = schema.safeParse(cells);
    if (parsed.success) rows.push({ line, value: parsed.data });
    else {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? String(issue.path[0]) : undefined;
      const given = field !== undefined ? cells[field] : undefined;
      const what = given === undefined ? (field && issue.code === 'invalid_type' ? 'required' : issue.message) : `"${clip(given, 60)}": ${issue.message}`;
      problems.error(file, line, `${field ? `${field} ` : ''}${what}; row skipped`, field);
    }
  };
  try {
    // Each record is handled as it is read and dropped (on_record returns null): nothing of the
    // CSV is kept but the typed rows. The header is the first record; every later one must have
    // as many cells (csv-parse refuses it otherwise, and the row is skipped with the reason).
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      skip_records_with_error: true,
      on_skip: (err) => {
        let line = typeof err?.lines === 'number' ? err.lines : null;
        let message = `not CSV: ${clip(err?.message ?? 'unreadable record', 200)}`;
        if (err?.code === 'CSV_QUOTE_NOT_CLOSED') {
          // csv-parse counts the lines to the end of the file; the quote opened where its record did.
          if (typeof err.bytes === 'number') line = countLines(new TextEncoder().encode(text).subarray(0, err.bytes)) + 1;
          message = 'not CSV: a quote opened in this row is never closed; the rest of the file is not read';
        }
        problems.error(file, line, message);
      },
      on_record: (record: string[], context) => {
        if (header === null) onHeader(record);
        else if (!unusable) onRecord(header, record, context.lines);
        return null;
      },
    });
  } catch (err) {
    // Past this (an unclosed quote at the end, say) nothing can be read; the rows before it stand.
    const line = (err as { lines?: unknown }).lines;
    problems.error(file, typeof line === 'number' ? line : null, `not CSV: ${clip((err as Error).message, 200)}; the rest of the file is not read`);
  }
  if (header === null) {
    problems.error(file, null, 'empty: no header line');
    return null;
  }
  return unusable ? null : rows;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
