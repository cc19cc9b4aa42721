/**
 * Pure helpers over the frame convention of epaper.ts (1 bpp, MSB leftmost, 100 bytes a row, a set
 * bit is black): checking a frame, fitting a partial window to the panel, cutting a window's bytes
 * out of a frame and putting them back, the inverse buffer the partial mode wants, and the nine
 * parameter bytes of the UC8179's partial window command (0x90).
 *
 * No I/O; the driver and the emulator both use these.
 */
import { EPAPER_FRAME_BYTES, EPAPER_HEIGHT, EPAPER_ROW_BYTES, EPAPER_WIDTH, type Frame1bpp, type PanelWindow } from './epaper.js';

/** Throws a RangeError naming what is wrong unless `frame` is a whole frame. */
export function checkFrame(frame: unknown, what = 'frame'): asserts frame is Frame1bpp {
  if (!(frame instanceof Uint8Array)) throw new RangeError(`${what} is not a Uint8Array`);
  if (frame.length !== EPAPER_FRAME_BYTES) throw new RangeError(`${what} is ${frame.length} bytes, a ${EPAPER_WIDTH}×${EPAPER_HEIGHT} 1-bpp frame is ${EPAPER_FRAME_BYTES}`);
}

const describe = (w: PanelWindow) => `window {x: ${w.x}, y: ${w.y}, width: ${w.width}, height: ${w.height}}`;

/**
 * The window a partial refresh can draw: integers, x and width multiples of 8 (the controller
 * addresses whole bytes), at least one pixel, starting on the panel; a window running past the
 * right or bottom edge is cut at the edge. Anything else is a RangeError naming the window.
 */
export function fitWindow(window: PanelWindow): PanelWindow {
  if (window === null || typeof window !== 'object') throw new RangeError(`partial window ${String(window)} is not an object`);
  const { x, y, width, height } = window;
  if (![x, y, width, height].every((n) => Number.isSafeInteger(n))) throw new RangeError(`partial ${describe(window)}: every field must be an integer`);
  if (x % 8 !== 0 || width % 8 !== 0) throw new RangeError(`partial ${describe(window)}: x and width must be multiples of 8`);
  if (width <= 0 || height <= 0) throw new RangeError(`partial ${describe(window)}: width and height must be positive`);
  if (x < 0 || y < 0 || x >= EPAPER_WIDTH || y >= EPAPER_HEIGHT) {
    throw new RangeError(`partial ${describe(window)}: starts off the ${EPAPER_WIDTH}×${EPAPER_HEIGHT} panel`);
  }
  return { x, y, width: Math.min(width, EPAPER_WIDTH - x), height: Math.min(height, EPAPER_HEIGHT - y) };
}

/** The bytes of `window` (fitted) out of `frame`, row after row. */
export function cutWindow(frame: Uint8Array, window: PanelWindow): Uint8Array {
  const rowBytes = window.width / 8;
  const out = new Uint8Array(rowBytes * window.height);
  for (let r = 0; r < window.height; r++) {
    const from = (window.y + r) * EPAPER_ROW_BYTES + window.x / 8;
    out.set(frame.subarray(from, from + rowBytes), r * rowBytes);
  }
  return out;
}

/** Writes `bytes` (as cutWindow gives them) into `frame` at `window`. */
export function pasteWindow(frame: Uint8Array, window: PanelWindow, bytes: Uint8Array): void {
  const rowBytes = window.width / 8;
  for (let r = 0; r < window.height; r++) {
    frame.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), (window.y + r) * EPAPER_ROW_BYTES + window.x / 8);
  }
}

/** A copy with every bit flipped. */
export function inverted(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ~bytes[i]! & 0xff;
  return out;
}

/**
 * Parameters of the partial window command (0x90, PTL): start and end, both inclusive, as high and
 * low bytes — x end is the last pixel of the last byte (its low three bits 111) — then PT_SCAN = 1
 * (gates outside the window are not scanned).
 */
export function windowParameters(window: PanelWindow): Uint8Array {
  const xe = window.x + window.width - 1;
  const ye = window.y + window.height - 1;
  return Uint8Array.of(window.x >> 8, window.x & 0xff, xe >> 8, xe & 0xff, window.y >> 8, window.y & 0xff, ye >> 8, ye & 0xff, 0x01);
}

/** The window a 0x90 parameter run names, or a reason it names none. */
export function parseWindowParameters(p: Uint8Array): PanelWindow | string {
  if (p.length !== 9) return `0x90 wants 9 parameters, got ${p.length}`;
  const xs = (p[0]! << 8) | p[1]!;
  const xe = (p[2]! << 8) | p[3]!;
  const ys = (p[4]! << 8) | p[5]!;
  const ye = (p[6]! << 8) | p[7]!;
  if (xs % 8 !== 0 || xe % 8 !== 7) return `0x90 x ${xs}..${xe} is not whole bytes (start ≡ 0, end ≡ 7 mod 8)`;
  if (xe < xs || ye < ys) return `0x90 window ends before it starts (x ${xs}..${xe}, y ${ys}..${ye})`;
  if (xe >= EPAPER_WIDTH || ye >= EPAPER_HEIGHT) return `0x90 window x ${xs}..${xe}, y ${ys}..${ye} runs off the panel`;
  return { x: xs, y: ys, width: xe - xs + 1, height: ye - ys + 1 };
}
