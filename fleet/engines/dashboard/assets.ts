/**
 * The dashboard's charting library, uPlot (MIT; a dependency of the package), served from the
 * package itself: no CDN, so the page works on a closed network. Found through Node's resolution
 * from this file (a checkout and an installed package alike), read once, on first use.
 *
 * The minified build carries only a one-line banner, so the served script starts with uPlot's
 * licence notice, as its MIT licence asks of every copy.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

export interface Asset {
  /** the path under the dashboard (`/dashboard/assets/<name>`) */
  name: string;
  contentType: string;
  text: string;
  /** a short hash of the text, for URLs a browser may cache for good */
  tag: string;
}

const require = createRequire(import.meta.url);

function read(spec: string): string {
  return fs.readFileSync(require.resolve(spec), 'utf8');
}

/** uPlot's LICENSE as a block comment (`*` and `/` kept from closing it early). */
function licenceComment(): string {
  const licence = read('uplot/LICENSE').replaceAll('*/', '* /').trim();
  const version = (JSON.parse(read('uplot/package.json')) as { version?: string }).version ?? '?';
  return `/*! uPlot ${version}, served by the Tabla fleet from its npm package\n\n${licence}\n*/\n`;
}

let assets: Map<string, Asset> | null = null;

/** The library's files by name, read on the first call and kept. */
export function chartAssets(): ReadonlyMap<string, Asset> {
  if (!assets) {
    const notice = licenceComment();
    const asset = (name: string, contentType: string, text: string): [string, Asset] => [
      name,
      { name, contentType, text, tag: crypto.createHash('sha256').update(text).digest('base64url').slice(0, 12) },
    ];
    assets = new Map([
      asset('uplot.js', 'text/javascript; charset=utf-8', notice + read('uplot/dist/uPlot.iife.min.js')),
      asset('uplot.css', 'text/css; charset=utf-8', notice + read('uplot/dist/uPlot.min.css')),
    ]);
  }
  return assets;
}
