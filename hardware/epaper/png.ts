/**
 * What an e-paper panel shows, as a PNG: 8-bit greyscale, black ink 0, white paper 255, one pixel
 * per panel pixel. pngjs packs it with fixed options, so the same glass gives the same bytes (on a
 * given zlib); tests compare decoded pixels, which holds everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { EPAPER_HEIGHT, EPAPER_ROW_BYTES, EPAPER_WIDTH } from './epaper.js';

/** `frame` (frame convention: set bit = black) as PNG bytes. */
export function frameToPng(frame: Uint8Array): Buffer {
  const png = new PNG({ width: EPAPER_WIDTH, height: EPAPER_HEIGHT, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  const grey = Buffer.alloc(EPAPER_WIDTH * EPAPER_HEIGHT);
  for (let y = 0; y < EPAPER_HEIGHT; y++) {
    for (let x = 0; x < EPAPER_WIDTH; x++) {
      const black = (frame[y * EPAPER_ROW_BYTES + (x >> 3)]! >> (7 - (x & 7))) & 1;
      grey[y * EPAPER_WIDTH + x] = black ? 0 : 255;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8, deflateLevel: 9, filterType: 0 });
}

/** A PNG (any colour type pngjs reads) back into a frame: a pixel darker than mid-grey is black. */
export function pngToFrame(bytes: Buffer): Uint8Array {
  const png = PNG.sync.read(bytes);
  if (png.width !== EPAPER_WIDTH || png.height !== EPAPER_HEIGHT) throw new RangeError(`PNG is ${png.width}×${png.height}, the panel is ${EPAPER_WIDTH}×${EPAPER_HEIGHT}`);
  const frame = new Uint8Array(EPAPER_ROW_BYTES * EPAPER_HEIGHT);
  for (let y = 0; y < EPAPER_HEIGHT; y++) {
    for (let x = 0; x < EPAPER_WIDTH; x++) {
      if (png.data[(y * EPAPER_WIDTH + x) * 4]! < 128) frame[y * EPAPER_ROW_BYTES + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return frame;
}

/** Writes `frame` as a PNG at `file`, atomically (temp file + rename). */
export function savePng(file: string, frame: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, frameToPng(frame));
  fs.renameSync(tmp, file);
}
