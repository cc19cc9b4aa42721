/**
 * Small icons the font does not have, drawn with integer arithmetic so they come out the same on
 * every machine. The clock face marks a departure taken from the timetable (not a live
 * prediction); the footer's legend repeats it with `po voznem redu`.
 */
import { Bitmap1bpp } from '../canvas/bitmap.js';

export interface Icon {
  width: number;
  height: number;
  rowBytes: number;
  bits: Uint8Array;
}

/**
 * A clock face `size` px across: a ring `stroke` px thick, and two hands from the centre, up (12)
 * and right (3). Pixel (x, y) belongs to the ring when its centre lies between the two radii, in
 * doubled coordinates so that everything stays integer.
 */
export function clockIcon(size: number, stroke: number): Icon {
  const canvas = new Bitmap1bpp(size, size);
  const outer = size * size;
  const inner = (size - 2 * stroke) * (size - 2 * stroke);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = 2 * x + 1 - size;
      const dy = 2 * y + 1 - size;
      const d = dx * dx + dy * dy;
      if (d <= outer && d >= inner) canvas.set(x, y);
    }
  }
  const c = Math.floor((size - stroke) / 2);
  const hand = Math.floor(size / 2) - stroke - 1;
  canvas.fillRect(c, c - hand + stroke, stroke, hand, true);
  canvas.fillRect(c, c, hand - 1, stroke, true);
  return { width: size, height: size, rowBytes: canvas.rowBytes, bits: canvas.bytes };
}

export function drawIcon(canvas: Bitmap1bpp, icon: Icon, x: number, y: number, ink = true): void {
  canvas.blit(icon.bits, 0, icon.rowBytes, icon.width, icon.height, x, y, ink);
}

let icons: { clockRow: Icon; clockLegend: Icon } | null = null;

/** The icons of the layout, made on first use. */
export function layoutIcons(): { clockRow: Icon; clockLegend: Icon } {
  icons ??= { clockRow: clockIcon(26, 3), clockLegend: clockIcon(14, 2) };
  return icons;
}
