/**
 * The `image` of a Frame (messages.ts): 1-bpp bits ⇄ deflated base64, and the hash a frame
 * carries. Pure; shared by the agent (encodes what the glass shows) and the fleet (decodes it).
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'fflate';
import type { FrameImage } from './messages.js';

/** Bytes of a `width`×`height` 1-bpp image, rows padded to whole bytes. */
export const frameImageBytes = (width: number, height: number): number => Math.ceil(width / 8) * height;

/** SHA-256 of the raw bits, hex: the same picture, the same hash. */
export const frameImageHash = (bits: Uint8Array): string => createHash('sha256').update(bits).digest('hex');

export function encodeFrameImage(bits: Uint8Array, width: number, height: number): FrameImage {
  const expected = frameImageBytes(width, height);
  if (bits.length !== expected) throw new RangeError(`a ${width}×${height} 1-bpp image has ${expected} bytes, not ${bits.length}`);
  return { width, height, encoding: '1bpp-deflate', data: Buffer.from(deflateSync(bits, { level: 9 })).toString('base64') };
}

/** The bits of a frame's image; throws with a reason when they are not what the header says. */
export function decodeFrameImage(image: FrameImage): Uint8Array {
  const expected = frameImageBytes(image.width, image.height);
  let bits: Uint8Array;
  try {
    bits = inflateSync(Buffer.from(image.data, 'base64'), { out: new Uint8Array(expected) });
  } catch (err) {
    throw new Error(`frame image: not deflate data (${(err as Error).message})`);
  }
  if (bits.length !== expected) throw new Error(`frame image: ${bits.length} bytes, a ${image.width}×${image.height} image has ${expected}`);
  return bits;
}
