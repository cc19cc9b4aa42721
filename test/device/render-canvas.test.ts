/**
 * The renderer's canvas, PNG images and changed windows: the byte-wise primitives agree with a
 * pixel-by-pixel reference at every alignment (random rectangles from a fixed seed, clipping
 * included), PNG round trips keep every pixel, and changedBands covers every changed pixel with a
 * few byte-aligned windows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EPAPER_FRAME_BYTES, EPAPER_HEIGHT, EPAPER_WIDTH } from '../../hardware/epaper/epaper.js';
import { Bitmap1bpp, changedBands, fontSet, framePng, pngFrame, renderScreen, SAMPLE_SCREENS } from '../../device/render/index.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference: a boolean per pixel. */
class Pixels {
  readonly px: boolean[];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.px = new Array(width * height).fill(false);
  }
  paint(x: number, y: number, w: number, h: number, f: (old: boolean) => boolean): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) {
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.px[j * this.width + i] = f(this.px[j * this.width + i]!);
    }
  }
}

function same(canvas: Bitmap1bpp, ref: Pixels, what: string): void {
  for (let y = 0; y < ref.height; y++) {
    for (let x = 0; x < ref.width; x++) {
      if (canvas.get(x, y) !== ref.px[y * ref.width + x]) assert.unreachable(`${what}: pixel (${x}, ${y})`);
    }
  }
}

test('fillRect, invert and clipping agree with the per-pixel reference', () => {
  const rnd = random(7);
  for (const width of [37, 64, 800]) {
    const height = 23;
    const canvas = new Bitmap1bpp(width, height);
    const ref = new Pixels(width, height);
    for (let k = 0; k < 300; k++) {
      const x = Math.floor(rnd() * (width + 20)) - 10;
      const y = Math.floor(rnd() * (height + 10)) - 5;
      const w = Math.floor(rnd() * 40);
      const h = Math.floor(rnd() * 12);
      const op = Math.floor(rnd() * 3);
      if (op === 0) {
        canvas.fillRect(x, y, w, h, true);
        ref.paint(x, y, w, h, () => true);
      } else if (op === 1) {
        canvas.fillRect(x, y, w, h, false);
        ref.paint(x, y, w, h, () => false);
      } else {
        canvas.invert(x, y, w, h);
        ref.paint(x, y, w, h, (old) => !old);
      }
      same(canvas, ref, `width ${width}, step ${k}: op ${op} at ${x},${y} ${w}×${h}`);
    }
  }
});

test('blit draws a glyph at every bit alignment, black or white, clipped at the edges', () => {
  const font = fontSet().medium;
  const glyph = font.glyph('Ž'.codePointAt(0)!);
  const inkAt = (gx: number, gy: number) => (font.bits[glyph + gy * font.rowBytes + (gx >> 3)]! & (0x80 >> (gx & 7))) !== 0;
  for (const x of [-5, 0, 1, 3, 7, 8, 13, 60]) {
    for (const ink of [true, false]) {
      const canvas = new Bitmap1bpp(70, 30);
      const ref = new Pixels(70, 30);
      if (!ink) {
        canvas.clear(true);
        ref.paint(0, 0, 70, 30, () => true);
      }
      canvas.blit(font.bits, glyph, font.rowBytes, font.width, font.height, x, 3, ink);
      for (let gy = 0; gy < font.height; gy++) for (let gx = 0; gx < font.width; gx++) if (inkAt(gx, gy)) ref.paint(x + gx, 3 + gy, 1, 1, () => ink);
      same(canvas, ref, `x ${x} ink ${ink}`);
    }
  }
});

test('set/get, sizes and the bytes convention: MSB is the leftmost pixel, a set bit is black', () => {
  const canvas = new Bitmap1bpp(16, 2);
  canvas.set(0, 0);
  canvas.set(9, 1);
  assert.equal([...canvas.bytes], [0x80, 0, 0, 0x40]);
  assert.ok(canvas.get(9, 1) && !canvas.get(8, 1) && !canvas.get(-1, 0) && !canvas.get(16, 0));
  canvas.set(9, 1, false);
  assert.is(canvas.bytes[3], 0);
  assert.throws(() => new Bitmap1bpp(0, 10), /size/);
  assert.throws(() => new Bitmap1bpp(16, 2, new Uint8Array(3)), /3 bytes/);
});

test('framePng and pngFrame keep every pixel; framePng refuses a frame of the wrong length', () => {
  const frame = renderScreen(SAMPLE_SCREENS['board-normal']!);
  const png = framePng(frame, EPAPER_WIDTH, EPAPER_HEIGHT);
  assert.equal([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const back = pngFrame(png);
  assert.is(back.width, EPAPER_WIDTH);
  assert.is(back.height, EPAPER_HEIGHT);
  assert.ok(Buffer.from(back.frame).equals(Buffer.from(frame)));
  assert.throws(() => framePng(frame.subarray(1), EPAPER_WIDTH, EPAPER_HEIGHT), /bytes/);
});

const blank = () => new Uint8Array(EPAPER_FRAME_BYTES);
function flip(frame: Uint8Array, x: number, y: number): void {
  frame[y * 100 + (x >> 3)]! ^= 0x80 >> (x & 7);
}
function covered(windows: { x: number; y: number; width: number; height: number }[], x: number, y: number): boolean {
  return windows.some((w) => x >= w.x && x < w.x + w.width && y >= w.y && y < w.y + w.height);
}

test('changedBands: none for equal frames; one byte-aligned window for one pixel', () => {
  assert.equal(changedBands(blank(), blank()), []);
  const b = blank();
  flip(b, 101, 40);
  assert.equal(changedBands(blank(), b), [{ x: 96, y: 40, width: 8, height: 1 }]);
  assert.throws(() => changedBands(blank(), new Uint8Array(10)), /frames of/);
});

test('changedBands: far-apart changes get their own windows, near ones share', () => {
  const b = blank();
  flip(b, 780, 10); // the clock
  flip(b, 700, 200); // a time
  flip(b, 705, 210); // …the same time
  const windows = changedBands(blank(), b);
  assert.is(windows.length, 2, JSON.stringify(windows));
  assert.equal(windows[0], { x: 776, y: 10, width: 8, height: 1 });
  assert.equal(windows[1], { x: 696, y: 200, width: 16, height: 11 });
});

test('changedBands: every changed pixel is covered, x and width multiples of 8, at most maxWindows', () => {
  const rnd = random(11);
  for (let round = 0; round < 20; round++) {
    const a = blank();
    const b = blank();
    const changed: [number, number][] = [];
    const n = 1 + Math.floor(rnd() * 60);
    for (let k = 0; k < n; k++) {
      const x = Math.floor(rnd() * EPAPER_WIDTH);
      const y = Math.floor(rnd() * EPAPER_HEIGHT);
      if (changed.some(([cx, cy]) => cx === x && cy === y)) continue;
      flip(b, x, y);
      changed.push([x, y]);
    }
    const maxWindows = 1 + (round % 5);
    const windows = changedBands(a, b, { maxWindows });
    assert.ok(windows.length >= 1 && windows.length <= maxWindows, `${windows.length} windows`);
    for (const w of windows) {
      assert.ok(w.x % 8 === 0 && w.width % 8 === 0 && w.x + w.width <= EPAPER_WIDTH && w.y + w.height <= EPAPER_HEIGHT, JSON.stringify(w));
    }
    for (const [x, y] of changed) assert.ok(covered(windows, x, y), `(${x}, ${y}) in ${JSON.stringify(windows)}`);
  }
});

test('changedBands between two real screens: a minute later only the clock and the times change', () => {
  const before = SAMPLE_SCREENS['board-normal']!;
  if (before.kind !== 'board') throw new Error('board-normal is a board');
  const after = { ...before, clock: '14:04', rows: before.rows.map((r, i) => (i === 1 ? { ...r, time: '2 min' } : r)) };
  const windows = changedBands(renderScreen(before), renderScreen(after));
  assert.ok(windows.length >= 1 && windows.length <= 4, JSON.stringify(windows));
  const area = windows.reduce((s, w) => s + w.width * w.height, 0);
  assert.ok(area < (EPAPER_WIDTH * EPAPER_HEIGHT) / 10, `area ${area}`);
  for (const w of windows) assert.ok(w.x >= 600, `only right-hand columns: ${JSON.stringify(w)}`);
});

test.run();
