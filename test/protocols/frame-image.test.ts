/**
 * The Frame image codec (protocols/mqtt/frame-image.ts): bits survive the round trip, a board is a
 * few KiB, and what is not the picture its header names is refused with a reason.
 */
import { deflateRawSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Frame, decode, decodeFrameImage, encode, encodeFrameImage, frameImageHash } from '../../protocols/index.js';

const picture = () => {
  const bits = new Uint8Array(48_000);
  for (let y = 0; y < 480; y += 40) bits.fill(0xff, y * 100 + 10, y * 100 + 60); // bars, like a board's rows
  bits[47_999] = 0x01;
  return bits;
};

test('round trip: the same bits, a board-like picture in a few KiB, and a Frame that carries it decodes', () => {
  const bits = picture();
  const image = encodeFrameImage(bits, 800, 480);
  assert.equal(decodeFrameImage(image), bits);
  assert.ok(image.data.length < 4096, `${image.data.length} base64 chars`);
  const frame = decode(Frame, encode(Frame, { v: 1, ts: 1, kind: 'arrival-board', summary: 's', hash: frameImageHash(bits), image }));
  assert.ok(frame.ok);
  assert.equal(decodeFrameImage(frame.value.image!), bits);
  // a v1 frame without an image still decodes
  assert.ok(decode(Frame, JSON.stringify({ v: 1, ts: 1, kind: 'arrival-board', summary: 's' })).ok);
});

test('refused: wrong size for the header, a deflate bomb (stopped at the size), not deflate at all', () => {
  const image = encodeFrameImage(picture(), 800, 480);
  assert.throws(() => decodeFrameImage({ ...image, width: 808 }), /48480/);
  const bomb = { ...image, data: deflateRawSync(Buffer.alloc(20_000_000)).toString('base64') };
  assert.throws(() => decodeFrameImage(bomb), /inflates past the 48000 bytes/);
  assert.throws(() => decodeFrameImage({ ...image, data: 'AAAA' }), /not deflate data/);
  assert.throws(() => encodeFrameImage(new Uint8Array(10), 800, 480), /48000 bytes, not 10/);
});

test.run();
