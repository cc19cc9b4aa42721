/**
 * What an e-paper panel shows, as a PNG: 8-bit greyscale, black ink 0, white paper 255, one pixel
 * per panel pixel. pngjs packs it with fixed options, so the same glass gives the same bytes (on a
 * given zlib); tests compare decoded pixels, which holds everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { EPAPER_HEIGHT, EPAPER_WIDTH } from './epaper.js';

/** `frame` (frame convention: set bit = black, rows padded to whole bytes) as PNG bytes; the panel's size unless given. */
export function frameToPng(frame: Uint8Array, width = EPAPER_WIDTH, height = EPAPER_HEIGHT): Buffer {
  const rowBytes = Math.ceil(width / 8);
  if (frame.length !== rowBytes * height) throw new RangeError(`frameToPng: ${frame.length} bytes for ${width}×${height} (want ${rowBytes * height})`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  const grey = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const black = (frame[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
      grey[y * width + x] = black ? 0 : 255;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8, deflateLevel: 9, filterType: 0 });
}

/** A PNG of any size (any colour type pngjs reads) as a frame: a pixel darker than mid-grey, after alpha over white, is black. */
export function pngImage(bytes: Buffer): { frame: Uint8Array; width: number; height: number } {
  const { width, height, data } = PNG.sync.read(bytes);
  const rowBytes = Math.ceil(width / 8);
  const frame = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const a = data[i + 3]! / 255;
      const luma = (0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!) * a + 255 * (1 - a);
      if (luma < 128) frame[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return { frame, width, height };
}

/** A PNG of the panel's size back into a frame (pngImage); another size is a RangeError. */
export function pngToFrame(bytes: Buffer): Uint8Array {
  const { frame, width, height } = pngImage(bytes);
  if (width !== EPAPER_WIDTH || height !== EPAPER_HEIGHT) throw new RangeError(`PNG is ${width}×${height}, the panel is ${EPAPER_WIDTH}×${EPAPER_HEIGHT}`);
  return frame;
}

/** Writes `frame` as a PNG at `file`, atomically (temp file + rename). */
export function savePng(file: string, frame: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, frameToPng(frame));
  fs.renameSync(tmp, file);
}
