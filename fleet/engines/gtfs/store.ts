/**
 * The feeds the fleet keeps on disk: `<dataDir>/gtfs/<site>.zip`, each beside `<site>.json` saying
 * where it came from and when (believed only while its sha256 matches the zip's). Every file is
 * written atomically — temp file, fsync, rename, fsync of the folder — so a power cut leaves the
 * old feed or the new one, never half of one (Node-RED #2271 is the regret this avoids).
 *
 * Also reads a feed's folder, the `.txt` files at its top, for TABLA_GTFS and `tabla gtfs import
 * <dir>`: protocols/gtfs parses bytes and never touches a disk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GtfsRefused, type GtfsLimits } from '../../../protocols/index.js';

/** A site's name, as it is in the file name of its feed and in the API's paths. */
export const SITE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const SITE_RULE = 'lower-case letters, digits and dashes, at most 32, the first a letter or digit';
/** The site of a feed given without one (TABLA_GTFS without TABLA_GTFS_SITE, `tabla gtfs import` without --site). */
export const DEFAULT_SITE = 'default';

/** Where an imported feed came from: written beside it, read back at start. */
export interface FeedOrigin {
  /** the name it was imported under (the zip's or the folder's) */
  source: string;
  /** ISO 8601 */
  importedAt: string;
  size: number;
  sha256: string;
}

export class FeedStore {
  constructor(readonly dir: string) {}

  file(site: string): string {
    return path.join(this.dir, `${site}.zip`);
  }

  /**
   * The sites with a stored feed, sorted, and the zips whose names are not sites (left alone).
   * Temp files an interrupted write left behind are removed.
   */
  async list(): Promise<{ sites: string[]; strays: string[] }> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sites: [], strays: [] };
      throw err;
    }
    const sites: string[] = [];
    const strays: string[] = [];
    for (const name of names.sort()) {
      if (name.endsWith('.tmp')) await fs.rm(path.join(this.dir, name), { force: true });
      else if (name.endsWith('.zip')) (SITE_NAME.test(name.slice(0, -4)) ? sites : strays).push(name.slice(0, -4));
    }
    return { sites, strays };
  }

  /** A site's zip (refused unread past `maxBytes`), and its origin when the record matches it. */
  async read(site: string, maxBytes: number): Promise<{ bytes: Uint8Array; origin: FeedOrigin | null }> {
    const file = this.file(site);
    const { size } = await fs.stat(file);
    if (size > maxBytes) throw new GtfsRefused(`${file} is ${size} bytes, over the limit of ${maxBytes}`);
    const bytes = new Uint8Array(await fs.readFile(file));
    let origin: FeedOrigin | null = null;
    try {
      const o = JSON.parse(await fs.readFile(this.#originFile(site), 'utf8')) as Partial<FeedOrigin>;
      if (typeof o.source === 'string' && typeof o.importedAt === 'string' && o.size === bytes.length && o.sha256 === sha256(bytes)) {
        origin = { source: o.source, importedAt: o.importedAt, size: o.size, sha256: o.sha256 };
      }
    } catch {
      // no record, or one from another write: the zip stands on its own
    }
    return { bytes, origin };
  }

  /** Stores a site's zip (replacing the one there), then the record of where it came from. */
  async write(site: string, bytes: Uint8Array, source: string, importedAt: Date): Promise<FeedOrigin> {
    await fs.mkdir(this.dir, { recursive: true });
    const origin: FeedOrigin = { source, importedAt: importedAt.toISOString(), size: bytes.length, sha256: sha256(bytes) };
    await writeAtomic(this.file(site), bytes);
    await writeAtomic(this.#originFile(site), JSON.stringify(origin, null, 2) + '\n');
    return origin;
  }

  /** Removes a site's zip and its record; false when there was none. */
  async remove(site: string): Promise<boolean> {
    let had = true;
    try {
      await fs.unlink(this.file(site));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      had = false;
    }
    await fs.rm(this.#originFile(site), { force: true });
    if (had) await syncDir(this.dir);
    return had;
  }

  #originFile(site: string): string {
    return path.join(this.dir, `${site}.json`);
  }
}

/**
 * The `.txt` files at the top of a feed's folder, by name (subfolders and other files are not
 * read). Refused before reading when a file, or all of them together, is past the limits.
 */
export async function readFeedFolder(dir: string, limits: Pick<GtfsLimits, 'fileBytes' | 'totalBytes'>): Promise<Map<string, Uint8Array>> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.name.endsWith('.txt')) continue;
    const file = path.join(dir, entry.name);
    const stat = await fs.stat(file); // follows a link, as reading does
    if (!stat.isFile()) continue;
    if (stat.size > limits.fileBytes) throw new GtfsRefused(`${file} is ${stat.size} bytes, over the limit of ${limits.fileBytes} for one file`);
    total += stat.size;
    if (total > limits.totalBytes) throw new GtfsRefused(`the .txt files in ${dir} are over ${limits.totalBytes} bytes together, the limit`);
    files.set(entry.name, new Uint8Array(await fs.readFile(file)));
  }
  return files;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Temp file, fsync, rename over the old one, fsync of the folder (so the rename itself is durable). */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not every platform can fsync a folder (Windows); the rename is still atomic there
  }
}
