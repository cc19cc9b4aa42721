/**
 * Frames as PNG images, for golden tests and previews: black and white, 8-bit greyscale (pngjs
 * writes no 1-bit PNG), and back. Compare frames by their pixels (`pngFrame`), not by PNG bytes:
 * the compressed bytes depend on the zlib at hand, the pixels do not.
 */
import { PNG } from 'pngjs';
import type { Frame1bpp } from '../../../hardware/epaper/epaper.js';

/** The frame as a PNG: set bits black (0), clear bits white (255). */
export function framePng(frame: Frame1bpp, width: number, height: number): Buffer {
  const rowBytes = Math.ceil(width / 8);
  if (frame.length !== rowBytes * height) throw new RangeError(`framePng: ${frame.length} bytes for ${width}×${height} (want ${rowBytes * height})`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  const grey = Buffer.alloc(width * height, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (frame[y * rowBytes + (x >> 3)]! & (0x80 >> (x & 7))) grey[y * width + x] = 0;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8, deflateLevel: 9 });
}

/** A PNG back to a frame: a pixel darker than mid-grey (after alpha over white) is black. */
export function pngFrame(png: Buffer): { frame: Frame1bpp; width: number; height: number } {
  const image = PNG.sync.read(png);
  const { width, height, data } = image;
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
