/**
 * Where two frames differ, as a handful of panel windows for partial refreshes: rectangles whose x
 * and width are multiples of 8 (the controller addresses bytes), covering every changed pixel.
 *
 * Per row, the changed bytes are grouped into runs (a gap under `gap` px joins them); runs grow the
 * open window they overlap horizontally when it ended within `gap` rows above, else start one.
 * Windows that come within `gap` of each other are then merged, and while there are more than
 * `maxWindows`, the two whose union adds the least area are merged. A pure function: the
 * stop-display module decides between partial and full refreshes with it.
 */
import { EPAPER_HEIGHT, EPAPER_WIDTH, type Frame1bpp, type PanelWindow } from '../../../hardware/epaper/epaper.js';

export interface BandOptions {
  width?: number;
  height?: number;
  /** Changes closer than this (px) share a window. Default 32. */
  gap?: number;
  /** At most this many windows. Default 4. */
  maxWindows?: number;
}

/** A window in bytes (columns) and rows, inclusive. */
interface Box {
  b0: number;
  b1: number;
  y0: number;
  y1: number;
}

export function changedBands(a: Frame1bpp, b: Frame1bpp, options: BandOptions = {}): PanelWindow[] {
  const width = options.width ?? EPAPER_WIDTH;
  const height = options.height ?? EPAPER_HEIGHT;
  const gap = options.gap ?? 32;
  const maxWindows = Math.max(1, options.maxWindows ?? 4);
  const rowBytes = Math.ceil(width / 8);
  if (a.length !== rowBytes * height || b.length !== rowBytes * height) {
    throw new RangeError(`changedBands: frames of ${a.length} and ${b.length} bytes for ${width}×${height} (want ${rowBytes * height})`);
  }
  const gapBytes = Math.max(1, Math.ceil(gap / 8));
  const open: Box[] = [];
  const done: Box[] = [];
  for (let y = 0; y < height; y++) {
    // Windows that ended more than `gap` rows above are closed.
    for (let i = open.length - 1; i >= 0; i--) {
      if (y - open[i]!.y1 > gap) done.push(...open.splice(i, 1));
    }
    const base = y * rowBytes;
    let run: [number, number] | null = null;
    const runs: [number, number][] = [];
    for (let x = 0; x < rowBytes; x++) {
      if (a[base + x] === b[base + x]) continue;
      if (run && x - run[1] <= gapBytes) run[1] = x;
      else runs.push((run = [x, x]));
    }
    for (const [r0, r1] of runs) {
      const box = open.find((o) => r0 <= o.b1 + gapBytes && r1 >= o.b0 - gapBytes);
      if (box) {
        box.b0 = Math.min(box.b0, r0);
        box.b1 = Math.max(box.b1, r1);
        box.y1 = y;
      } else open.push({ b0: r0, b1: r1, y0: y, y1: y });
    }
  }
  const boxes = mergeBoxes([...done, ...open], gapBytes, gap, maxWindows);
  return boxes
    .sort((p, q) => p.y0 - q.y0 || p.b0 - q.b0)
    .map((o) => ({ x: o.b0 * 8, y: o.y0, width: Math.min((o.b1 + 1) * 8, rowBytes * 8) - o.b0 * 8, height: o.y1 - o.y0 + 1 }));
}

const area = (o: Box) => (o.b1 - o.b0 + 1) * 8 * (o.y1 - o.y0 + 1);
const union = (p: Box, q: Box): Box => ({ b0: Math.min(p.b0, q.b0), b1: Math.max(p.b1, q.b1), y0: Math.min(p.y0, q.y0), y1: Math.max(p.y1, q.y1) });
const near = (p: Box, q: Box, gapBytes: number, gap: number) =>
  p.b0 <= q.b1 + gapBytes && q.b0 <= p.b1 + gapBytes && p.y0 <= q.y1 + gap && q.y0 <= p.y1 + gap;

function mergeBoxes(input: Box[], gapBytes: number, gap: number, maxWindows: number): Box[] {
  const boxes = [...input];
  // Merge neighbours until none is near another (a union can reach a third box).
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (near(boxes[i]!, boxes[j]!, gapBytes, gap)) {
          boxes[i] = union(boxes[i]!, boxes[j]!);
          boxes.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  while (boxes.length > maxWindows) {
    let best = [0, 1];
    let bestCost = Infinity;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const cost = area(union(boxes[i]!, boxes[j]!)) - area(boxes[i]!) - area(boxes[j]!);
        if (cost < bestCost) {
          bestCost = cost;
          best = [i, j];
        }
      }
    }
    const [i, j] = best as [number, number];
    boxes[i] = union(boxes[i]!, boxes[j]!);
    boxes.splice(j, 1);
  }
  return boxes;
}
