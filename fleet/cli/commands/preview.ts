/**
 * `tabla preview <id> [-o file.png]`: what a display's glass shows now, from the last frame it
 * reported. With -o the picture is written as a PNG; without, it is drawn in the terminal — half
 * blocks (▀▄█, two pixels a cell) or, with --braille, braille dots (eight a cell) — scaled to the
 * terminal's width (`--width`, else the terminal's columns, else 100), with the frame's summary and
 * age. The drawing is a pure function of the picture (`terminalPicture`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PNG } from 'pngjs';
import { ApiFailure, enc, type FleetApi } from '../api.js';
import { positiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { age } from '../format.js';
import { examples } from '../help.js';

interface FrameInfo {
  id: string;
  kind: string;
  summary: string;
  hash: string | null;
  ts: string;
  receivedAt: string;
  width: number | null;
  height: number | null;
  image: string | null;
  imageError: string | null;
}

interface PreviewOptions {
  out?: string;
  width?: number;
  braille?: boolean;
  json?: boolean;
}

const REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_COLUMNS = 100;

export function register(program: Command, ctx: CliContext): void {
  program
    .command('preview')
    .description("what a display shows now: its last frame's picture, in the terminal or as a PNG")
    .argument('<id>', 'device id')
    .option('-o, --out <file>', 'write the picture to this PNG file')
    .option('--width <columns>', 'draw it this many columns wide (default: the terminal, else 100)', positiveInt)
    .option('--braille', 'draw with braille dots (finer) instead of half blocks')
    .option('--json', "print the frame's details as JSON")
    .addHelpText('after', examples(['tabla preview stop-tomsiceva', 'tabla preview stop-tomsiceva --braille --width 80', 'tabla preview panel-glazija -o glazija.png', 'tabla preview stop-tomsiceva --json']))
    .action(async (id: string, o: PreviewOptions) => {
      const api = ctx.api();
      const info = await api.get<FrameInfo>(`/api/devices/${enc(id)}/frame`);
      if (o.json) return ctx.json(info);
      const s = ctx.style();
      const caption = `${info.kind}: ${info.summary}\nframe from ${age(info.ts, s.now)}${info.width !== null ? `, ${info.width}×${info.height}` : ''}`;
      if (info.image === null) {
        throw new Failure(`${id} has sent no picture${info.imageError ? ` (the last was refused: ${info.imageError})` : ''}; it shows ${info.kind}: ${info.summary}`);
      }
      const png = await getBytes(api, `/api/devices/${enc(id)}/frame.png`);
      if (o.out) {
        writeAtomic(o.out, png);
        ctx.out(`wrote ${o.out}\n${caption}`);
        return;
      }
      const picture = PNG.sync.read(Buffer.from(png));
      const columns = o.width ?? (process.stdout.columns || DEFAULT_COLUMNS);
      ctx.out(`${terminalPicture(inkOf(picture), picture.width, picture.height, columns, o.braille ? 'braille' : 'blocks')}\n${caption}`);
    });
}

/** Black pixels of a decoded PNG (RGBA): 1 ink, 0 paper. */
function inkOf(png: PNG): Uint8Array {
  const ink = new Uint8Array(png.width * png.height);
  for (let i = 0; i < ink.length; i++) ink[i] = png.data[i * 4]! < 128 ? 1 : 0;
  return ink;
}

/**
 * A picture (`ink`: one byte a pixel, 1 black) drawn in at most `columns` terminal columns, in a
 * frame of box lines (white paper is blank on a terminal). Scaled down by a whole factor; a
 * scaled dot is ink when at least a quarter of the pixels it covers are.
 */
export function terminalPicture(ink: Uint8Array, width: number, height: number, columns: number, mode: 'blocks' | 'braille'): string {
  const [cellW, cellH] = mode === 'braille' ? [2, 4] : [1, 2];
  const inner = Math.max(1, columns - 2);
  const scale = Math.max(1, Math.ceil(width / (inner * cellW)));
  const dotsW = Math.ceil(width / scale);
  const dotsH = Math.ceil(height / scale);
  const dot = (dx: number, dy: number): boolean => {
    if (dx >= dotsW || dy >= dotsH) return false;
    let n = 0;
    let total = 0;
    for (let y = dy * scale; y < Math.min(height, (dy + 1) * scale); y++) {
      for (let x = dx * scale; x < Math.min(width, (dx + 1) * scale); x++) {
        total++;
        n += ink[y * width + x]!;
      }
    }
    return n * 4 >= total && n > 0;
  };
  const cols = Math.ceil(dotsW / cellW);
  const rows = Math.ceil(dotsH / cellH);
  const lines = [`┌${'─'.repeat(cols)}┐`];
  for (let r = 0; r < rows; r++) {
    let line = '│';
    for (let c = 0; c < cols; c++) {
      const x = c * cellW;
      const y = r * cellH;
      if (mode === 'blocks') {
        const top = dot(x, y);
        const bottom = dot(x, y + 1);
        line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
      } else {
        // Braille dots 1–8 (Unicode 0x2800 + bits): left column 1, 2, 3, 7; right column 4, 5, 6, 8.
        let bits = 0;
        const order = [
          [0, 0, 0x01],
          [0, 1, 0x02],
          [0, 2, 0x04],
          [1, 0, 0x08],
          [1, 1, 0x10],
          [1, 2, 0x20],
          [0, 3, 0x40],
          [1, 3, 0x80],
        ] as const;
        for (const [dx, dy, bit] of order) if (dot(x + dx, y + dy)) bits |= bit;
        line += bits ? String.fromCharCode(0x2800 + bits) : ' ';
      }
    }
    lines.push(line + '│');
  }
  lines.push(`└${'─'.repeat(cols)}┘`);
  return lines.join('\n');
}

/** GET of a route answering bytes (the PNG): the fleet's JSON error when it says no. */
async function getBytes(api: FleetApi, p: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(api.url.replace(/\/+$/, '') + p, { headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Failure(`cannot reach the fleet at ${api.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    let error: unknown;
    try {
      error = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { error?: unknown }).error;
    } catch {
      error = undefined;
    }
    throw new ApiFailure(typeof error === 'string' ? error : `GET ${p}: HTTP ${res.status} ${res.statusText}`, res.status, error);
  }
  return bytes;
}

/** Written beside the target and renamed over it: a reader never sees half a PNG. */
function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new Failure(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
