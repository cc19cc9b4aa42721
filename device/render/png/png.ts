/**
 * Frames as PNG images, for golden tests and previews: the panel class's codec
 * (hardware/epaper/png.ts: black and white, 8-bit greyscale, any size). Compare frames by their
 * pixels (`pngFrame`), not by PNG bytes: the compressed bytes depend on the zlib at hand.
 */
import { frameToPng, pngImage } from '../../../hardware/epaper/png.js';
import type { Frame1bpp } from '../../../hardware/epaper/epaper.js';

/** The frame as a PNG: set bits black (0), clear bits white (255). */
export const framePng = (frame: Frame1bpp, width: number, height: number): Buffer => frameToPng(frame, width, height);

/** A PNG back to a frame: a pixel darker than mid-grey (after alpha over white) is black. */
export const pngFrame = (png: Buffer): { frame: Frame1bpp; width: number; height: number } => pngImage(png);
