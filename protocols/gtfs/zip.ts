/**
 * The GTFS files out of a zip, with the work bounded: fflate's streaming Unzip is fed the archive
 * in small slices, so no single step inflates more than a slice can expand to (DEFLATE's ratio is
 * at most about 1 032:1), and each file's bytes are counted as they come out — a declared size is
 * never trusted. A file past its limit, or all of them past theirs, refuses the feed at once.
 */
import { Unzip, UnzipInflate } from 'fflate';
import { GtfsRefused, mib, type GtfsLimits, type ProblemLog } from './problems.js';

const SLICE = 16 * 1024;

/** The wanted files at the zip's root, inflated; other entries are never inflated. */
export function unzipGtfs(bytes: Uint8Array, wanted: ReadonlySet<string>, limits: GtfsLimits, problems: ProblemLog): Map<string, Uint8Array> {
  if (bytes.length > limits.zipBytes) throw new GtfsRefused(`the zip is ${mib(bytes.length)}, over the limit of ${mib(limits.zipBytes)}`);
  const files = new Map<string, Uint8Array[]>();
  let entries = 0;
  let total = 0;
  const unzip = new Unzip((file) => {
    entries++;
    const name = file.name;
    if (!wanted.has(name)) {
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (base !== name && wanted.has(base)) problems.warning(base, null, `found as "${name.slice(0, 100)}", in a folder: GTFS files must be at the zip's root (not read)`);
      return;
    }
    if (files.has(name)) {
      problems.warning(name, null, 'appears twice in the zip; the first is read');
      return;
    }
    const chunks: Uint8Array[] = [];
    files.set(name, chunks);
    let size = 0;
    file.ondata = (err, data) => {
      if (err) throw err;
      size += data.length;
      total += data.length;
      if (size > limits.fileBytes) throw new GtfsRefused(`${name} inflates past ${mib(limits.fileBytes)}, the limit for one file (a zip bomb?)`);
      if (total > limits.totalBytes) throw new GtfsRefused(`the files inflate past ${mib(limits.totalBytes)} together, the limit (a zip bomb?)`);
      if (data.length) chunks.push(data);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    if (bytes.length === 0) unzip.push(bytes, true);
    for (let i = 0; i < bytes.length; i += SLICE) unzip.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length);
  } catch (err) {
    if (err instanceof GtfsRefused) throw err;
    throw new GtfsRefused(`not a readable zip: ${(err as Error).message}`);
  }
  if (entries === 0) throw new GtfsRefused('not a zip, or an empty one: no files in it');
  const out = new Map<string, Uint8Array>();
  for (const [name, chunks] of files) out.set(name, concat(chunks));
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
