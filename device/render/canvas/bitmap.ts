/**
 * A 1-bit canvas in the panel's frame convention (hardware/epaper/epaper.ts): rows of
 * ceil(width / 8) bytes, MSB = leftmost pixel, set bit = black ink. Drawing outside the canvas is
 * clipped, never an error; the primitives work a byte at a time where they can.
 */

/** Masks of the pixels from bit `x & 7` to the end of the byte. */
const FROM = [0xff, 0x7f, 0x3f, 0x1f, 0x0f, 0x07, 0x03, 0x01];

export class Bitmap1bpp {
  readonly width: number;
  readonly height: number;
  readonly rowBytes: number;
  readonly bytes: Uint8Array;

  /** A white canvas, or one over `bytes` (taken as is, not copied). */
  constructor(width: number, height: number, bytes?: Uint8Array) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`Bitmap1bpp: size ${width}×${height} is not a positive whole number of pixels`);
    }
    this.width = width;
    this.height = height;
    this.rowBytes = Math.ceil(width / 8);
    const length = this.rowBytes * height;
    if (bytes && bytes.length !== length) throw new RangeError(`Bitmap1bpp: ${bytes.length} bytes for ${width}×${height} (want ${length})`);
    this.bytes = bytes ?? new Uint8Array(length);
  }

  get(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    return (this.bytes[y * this.rowBytes + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
  }

  set(x: number, y: number, ink = true): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = y * this.rowBytes + (x >> 3);
    if (ink) this.bytes[i]! |= 0x80 >> (x & 7);
    else this.bytes[i]! &= ~(0x80 >> (x & 7));
  }

  /** All white (or all black). */
  clear(ink = false): void {
    this.bytes.fill(ink ? 0xff : 0);
  }

  /** Paints the rectangle black (`ink`) or white. */
  fillRect(x: number, y: number, w: number, h: number, ink = true): void {
    this.span(x, y, w, h, ink ? 'set' : 'clear');
  }

  /** Swaps black and white in the rectangle (white text on a black badge). */
  invert(x: number, y: number, w: number, h: number): void {
    this.span(x, y, w, h, 'xor');
  }

  /** A 1 px (or `t` px) outline of the rectangle. */
  strokeRect(x: number, y: number, w: number, h: number, t = 1, ink = true): void {
    this.fillRect(x, y, w, t, ink);
    this.fillRect(x, y + h - t, w, t, ink);
    this.fillRect(x, y + t, t, h - 2 * t, ink);
    this.fillRect(x + w - t, y + t, t, h - 2 * t, ink);
  }

  private span(x: number, y: number, w: number, h: number, op: 'set' | 'clear' | 'xor'): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    const b0 = x0 >> 3;
    const b1 = (x1 - 1) >> 3;
    let first = FROM[x0 & 7]!;
    const lastMask = (x1 & 7) === 0 ? 0xff : ~FROM[x1 & 7]! & 0xff;
    if (b0 === b1) first &= lastMask;
    const bytes = this.bytes;
    for (let row = y0; row < y1; row++) {
      const base = row * this.rowBytes;
      if (b0 === b1) {
        apply(bytes, base + b0, first, op);
        continue;
      }
      apply(bytes, base + b0, first, op);
      if (b1 - b0 > 1) {
        if (op === 'set') bytes.fill(0xff, base + b0 + 1, base + b1);
        else if (op === 'clear') bytes.fill(0, base + b0 + 1, base + b1);
        else for (let i = base + b0 + 1; i < base + b1; i++) bytes[i]! ^= 0xff;
      }
      apply(bytes, base + b1, lastMask, op);
    }
  }

  /**
   * Draws a glyph (or icon): `h` rows of `srcRowBytes` bytes at `offset` in `src`, `w` px wide, its
   * set bits painted black (`ink`) or white at (x, y). Unset bits leave the canvas as it was.
   */
  blit(src: Uint8Array, offset: number, srcRowBytes: number, w: number, h: number, x: number, y: number, ink = true): void {
    const rowBytes = this.rowBytes;
    const bytes = this.bytes;
    const shift = x & 7;
    const fast = x >= 0 && x + srcRowBytes * 8 <= this.width;
    for (let r = 0; r < h; r++) {
      const dy = y + r;
      if (dy < 0 || dy >= this.height) continue;
      const srcRow = offset + r * srcRowBytes;
      if (fast) {
        let i = dy * rowBytes + (x >> 3);
        for (let b = 0; b < srcRowBytes; b++, i++) {
          const v = src[srcRow + b]!;
          if (v === 0) continue;
          const hi = v >> shift;
          const lo = (v << (8 - shift)) & 0xff;
          if (ink) {
            bytes[i]! |= hi;
            if (shift) bytes[i + 1]! |= lo;
          } else {
            bytes[i]! &= ~hi;
            if (shift) bytes[i + 1]! &= ~lo;
          }
        }
        continue;
      }
      for (let c = 0; c < w; c++) {
        if (src[srcRow + (c >> 3)]! & (0x80 >> (c & 7))) this.set(x + c, dy, ink);
      }
    }
  }
}

function apply(bytes: Uint8Array, i: number, mask: number, op: 'set' | 'clear' | 'xor'): void {
  if (op === 'set') bytes[i]! |= mask;
  else if (op === 'clear') bytes[i]! &= ~mask;
  else bytes[i]! ^= mask;
}
