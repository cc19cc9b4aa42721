/**
 * The last frame each display reported, with its picture, in the engine's table `displays_frames`
 * (the registry keeps only kind, summary and hash, so device listings stay small), and the picture
 * as a PNG for `GET /api/devices/:id/frame.png` and `tabla preview`.
 *
 * A picture is checked before it is kept: strict base64, inflated with a hard limit of the bytes
 * its header promises (a deflate bomb stops there, at once, rather than inflating on the event
 * loop), exactly that many bytes, and the SHA-256 its frame carries. A refused picture leaves the
 * frame's text kept, with the reason.
 */
import zlib from 'node:zlib';
import type Database from 'better-sqlite3';
import { PNG } from 'pngjs';
import type { Frame, FrameImage } from '../../../protocols/index.js';
import { frameImageBytes, frameImageHash } from '../../../protocols/index.js';

export const FRAMES_MIGRATION = `CREATE TABLE displays_frames (
  device_id   TEXT PRIMARY KEY,
  ts          INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  summary     TEXT NOT NULL,
  hash        TEXT,
  width       INTEGER,
  height      INTEGER,
  image       BLOB,
  image_error TEXT
) WITHOUT ROWID`;

export interface StoredFrame {
  deviceId: string;
  ts: number;
  receivedAt: number;
  kind: string;
  summary: string;
  hash: string | null;
  /** the picture's size, when the frame had one that was kept */
  width: number | null;
  height: number | null;
  /** why the frame's picture was refused, or null */
  imageError: string | null;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The largest picture kept: 2048×2048, past the largest e-paper panel (13.3", 1600×1200); a bound on the PNG's work. */
export const MAX_PICTURE_PIXELS = 2048 * 2048;

/** The raw bits of a frame's picture (1 bpp, MSB left, set = black); throws with the reason it is refused. */
export function readFrameImage(image: FrameImage, hash?: string): Uint8Array {
  if (image.width * image.height > MAX_PICTURE_PIXELS) throw new Error(`image of ${image.width}×${image.height} is larger than the ${MAX_PICTURE_PIXELS} pixels kept`);
  if (!BASE64.test(image.data)) throw new Error('image data is not base64');
  const expected = frameImageBytes(image.width, image.height);
  let bits: Buffer;
  try {
    bits = zlib.inflateRawSync(Buffer.from(image.data, 'base64'), { maxOutputLength: expected });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`image inflates past the ${expected} bytes of a ${image.width}×${image.height} picture`);
    throw new Error(`image is not deflate data (${(err as Error).message})`);
  }
  if (bits.length !== expected) throw new Error(`image has ${bits.length} bytes; a ${image.width}×${image.height} picture has ${expected}`);
  if (hash !== undefined && hash !== frameImageHash(bits)) throw new Error('image does not match the frame’s hash');
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

/** The bits as a grayscale PNG: white paper, black ink. */
export function frameImagePng(bits: Uint8Array, width: number, height: number): Buffer {
  const stride = Math.ceil(width / 8);
  if (bits.length !== stride * height) throw new RangeError(`a ${width}×${height} picture has ${stride * height} bytes, not ${bits.length}`);
  const gray = Buffer.alloc(width * height, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (bits[y * stride + (x >> 3)]! & (0x80 >> (x & 7))) gray[y * width + x] = 0;
  }
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = gray;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

interface Row {
  device_id: string;
  ts: number;
  received_at: number;
  kind: string;
  summary: string;
  hash: string | null;
  width: number | null;
  height: number | null;
  image_error: string | null;
}

export class FrameStore {
  readonly #db: Database.Database;
  readonly #put: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    // A frame older than the one kept (a redelivery after a reconnect) does not replace it.
    this.#put = db.prepare(
      `INSERT INTO displays_frames (device_id, ts, received_at, kind, summary, hash, width, height, image, image_error)
       VALUES (@deviceId, @ts, @receivedAt, @kind, @summary, @hash, @width, @height, @image, @imageError)
       ON CONFLICT (device_id) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at, kind = excluded.kind,
         summary = excluded.summary, hash = excluded.hash, width = excluded.width, height = excluded.height,
         image = excluded.image, image_error = excluded.image_error
       WHERE excluded.ts >= displays_frames.ts`,
    );
  }

  /** Keeps a frame; returns why its picture was refused (null: none, or kept). */
  record(deviceId: string, frame: Frame, receivedAt: number): { imageError: string | null } {
    let imageError: string | null = null;
    let image: Buffer | null = null;
    if (frame.image) {
      try {
        readFrameImage(frame.image, frame.hash);
        image = Buffer.from(frame.image.data, 'base64');
      } catch (err) {
        imageError = (err as Error).message;
      }
    }
    this.#put.run({
      deviceId,
      ts: frame.ts,
      receivedAt,
      kind: frame.kind,
      summary: frame.summary,
      hash: frame.hash ?? null,
      width: image ? frame.image!.width : null,
      height: image ? frame.image!.height : null,
      image,
      imageError,
    });
    return { imageError };
  }

  get(deviceId: string): StoredFrame | null {
    const r = this.#db
      .prepare('SELECT device_id, ts, received_at, kind, summary, hash, width, height, image_error FROM displays_frames WHERE device_id = ?')
      .get(deviceId) as Row | undefined;
    return r
      ? { deviceId: r.device_id, ts: r.ts, receivedAt: r.received_at, kind: r.kind, summary: r.summary, hash: r.hash, width: r.width, height: r.height, imageError: r.image_error }
      : null;
  }

  /** The last frame's picture as a PNG, or null when it had none (or it was refused). */
  png(deviceId: string): Buffer | null {
    const r = this.#db.prepare('SELECT width, height, image FROM displays_frames WHERE device_id = ?').get(deviceId) as
      | { width: number | null; height: number | null; image: Buffer | null }
      | undefined;
    if (!r?.image || r.width === null || r.height === null) return null;
    const bits = zlib.inflateRawSync(r.image, { maxOutputLength: frameImageBytes(r.width, r.height) });
    return frameImagePng(bits, r.width, r.height);
  }
}
