/**
 * A GTFS feed as the CLI reads it from the technician's disk: a zip as it is, or a folder's .txt
 * files zipped (what `tabla gtfs import` uploads and `tabla eta eval` parses).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { GTFS_LIMITS } from '../../protocols/index.js';
import { readFeedFolder } from '../engines/gtfs/store.js';
import { Failure } from './errors.js';

export async function readFeedSource(source: string): Promise<{ bytes: Uint8Array; name: string }> {
  const name = path.basename(path.resolve(source));
  const reading = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      throw new Failure(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const stat = await reading(() => fs.stat(source));
  if (!stat.isDirectory()) return { bytes: new Uint8Array(await reading(() => fs.readFile(source))), name };
  const files = await reading(() => readFeedFolder(source, GTFS_LIMITS));
  if (files.size === 0) throw new Failure(`${source} holds no .txt file: a GTFS folder holds agency.txt, stops.txt, routes.txt, …`);
  return { bytes: zipSync(Object.fromEntries(files)), name: `${name}/` };
}
