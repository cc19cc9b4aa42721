// Types of buses.mjs (plain JavaScript so that scripts/demo.mjs can import it without a build).
import type { GtfsFeed } from '../../protocols/index.js';
import type { TalkerEpoch } from '../../hardware/gnss/talker.js';

export const BUS_STATION_BAY: { lat: number; lon: number; courseDeg: number };
export function blocksForBuses(feed: GtfsFeed, at: Date, count: number): (string | null)[];
export function inService(feed: GtfsFeed, blockId: string | null, at: Date): boolean;
export function writeGnssLog(options: {
  file: string;
  feed: GtfsFeed;
  /** null: the bus stands at the bus station's bay */
  blockId: string | null;
  fromMs: number;
  seconds: number;
  /** hardware/gnss/talker.ts `epochSentences` */
  talk: (epoch: TalkerEpoch) => string[];
  seed?: number;
}): { epochs: number; fromMs: number; toMs: number };
export function describeBus(feed: GtfsFeed, blockId: string | null, at: Date): string;
