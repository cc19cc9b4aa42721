/**
 * The `image` of a Frame (messages.ts): 1-bpp bits ⇄ deflated base64, and the hash a frame
 * carries. Pure; shared by the agent (encodes what the glass shows) and the fleet (decodes it).
 */
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { deflateSync } from 'fflate';
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

/**
 * The bits of a frame's image; throws with a reason when they are not what the header says. The
 * inflation stops one byte past the size the header gives (a deflate bomb costs nothing).
 */
export function decodeFrameImage(image: FrameImage): Uint8Array {
  const expected = frameImageBytes(image.width, image.height);
  let bits: Uint8Array;
  try {
    bits = inflateRawSync(Buffer.from(image.data, 'base64'), { maxOutputLength: expected + 1 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`frame image: inflates past the ${expected} bytes of a ${image.width}×${image.height} image`);
    throw new Error(`frame image: not deflate data (${(err as Error).message})`);
  }
  bits = new Uint8Array(bits.buffer, bits.byteOffset, bits.length); // a plain view, not a Buffer
  if (bits.length !== expected) throw new Error(`frame image: ${bits.length} bytes, a ${image.width}×${image.height} image has ${expected}`);
  return bits;
}
