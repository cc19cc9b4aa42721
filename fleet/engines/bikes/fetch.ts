/**
 * Reads one site's GBFS feed from its source (sources.ts): `gbfs.json`, then
 * `station_information` and `station_status` — over HTTP from the URLs the discovery file lists
 * (relative ones against its own URL), or from the files beside a `gbfs.json` on disk. Every file
 * is checked by protocols/gbfs; the first that fails names itself in the error.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GbfsHeader, GbfsStation } from '../../../protocols/gbfs/index.js';
import { joinStations, parseDiscovery, parseStationInformation, parseStationStatus } from '../../../protocols/gbfs/index.js';

/** A site's feed as last read. */
export interface BikeFeed {
  stations: GbfsStation[];
  /** the status file's header: it carries the counts, so it says how long they hold */
  status: GbfsHeader;
  /** the information file's header */
  information: GbfsHeader;
  /** when it was read, ms */
  fetchedAt: number;
}

/** The largest file read, bytes. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

const isUrl = (s: string) => /^https?:\/\//iu.test(s);

async function readJson(where: string, timeoutMs: number): Promise<unknown> {
  let text: string;
  if (isUrl(where)) {
    const res = await fetch(where, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${where}: HTTP ${res.status}`);
    if (Number(res.headers.get('content-length') ?? 0) > MAX_FILE_BYTES) throw new Error(`${where}: larger than ${MAX_FILE_BYTES} bytes`);
    text = await res.text();
  } else {
    const stat = await fs.stat(where);
    if (stat.size > MAX_FILE_BYTES) throw new Error(`${where}: larger than ${MAX_FILE_BYTES} bytes`);
    text = await fs.readFile(where, 'utf8');
  }
  if (text.length > MAX_FILE_BYTES) throw new Error(`${where}: larger than ${MAX_FILE_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
}

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }, where: string): T {
  if (!r.ok) throw new Error(`${where}: ${r.reason}`);
  return r.value;
}

/** Where a feed named in the discovery file is read from. */
export function feedLocation(source: string, feeds: Record<string, string>, name: string): string {
  if (!isUrl(source)) return path.join(path.dirname(source), `${name}.json`);
  const url = feeds[name];
  if (!url) throw new Error(`${source}: gbfs.json lists no ${name}`);
  return new URL(url, source).href;
}

export async function readBikeFeed(source: string, now: number, timeoutMs = 10_000): Promise<BikeFeed> {
  const discovery = must(parseDiscovery(await readJson(source, timeoutMs)), source);
  const infoAt = feedLocation(source, discovery.feeds, 'station_information');
  const statusAt = feedLocation(source, discovery.feeds, 'station_status');
  const [infoJson, statusJson] = await Promise.all([readJson(infoAt, timeoutMs), readJson(statusAt, timeoutMs)]);
  const info = must(parseStationInformation(infoJson), infoAt);
  const status = must(parseStationStatus(statusJson), statusAt);
  const header = (h: GbfsHeader): GbfsHeader => ({ version: h.version, lastUpdated: h.lastUpdated, ttl: h.ttl });
  return { stations: joinStations(info.stations, status.stations), status: header(status), information: header(info), fetchedAt: now };
}
