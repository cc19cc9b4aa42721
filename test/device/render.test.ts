/**
 * Golden images of the stop display's renderer: every sample screen (device/render/samples.ts) is
 * rendered and compared pixel for pixel with test/data/frames/<name>.png; one changed pixel fails.
 * TABLA_UPDATE_GOLDEN=1 rewrites the images (look at them before committing). On a mismatch the
 * rendered image is written to the temp dir with the windows that differ.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EPAPER_FRAME_BYTES, EPAPER_HEIGHT, EPAPER_WIDTH } from '../../hardware/epaper/epaper.js';
import { MAX_ROWS, type BoardScreen, type Screen } from '../../device/modules/departures/screen.js';
import { changedBands, framePng, newRenderStats, pngFrame, renderScreen, SAMPLE_SCREENS } from '../../device/render/index.js';

const DIR = path.resolve(import.meta.dirname, '../data/frames');
const UPDATE = process.env.TABLA_UPDATE_GOLDEN === '1';
const names = Object.keys(SAMPLE_SCREENS);

const sample = (name: string): Screen => SAMPLE_SCREENS[name]!;
const ink = (frame: Uint8Array, x: number, y: number) => (frame[y * (EPAPER_WIDTH / 8) + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
const inkCount = (frame: Uint8Array) => frame.reduce((n, b) => n + popcount(b), 0);
function popcount(b: number): number {
  let n = 0;
  for (; b; b &= b - 1) n++;
  return n;
}

test('the golden set holds one image per sample screen and nothing else', () => {
  if (UPDATE) fs.mkdirSync(DIR, { recursive: true });
  const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.png')).sort() : [];
  if (!UPDATE) assert.equal(files, names.map((n) => `${n}.png`).sort());
  assert.ok(names.length >= 8, 'eight situations at least');
});

for (const name of names) {
  test(`golden: ${name}`, () => {
    const frame = renderScreen(sample(name));
    assert.is(frame.length, EPAPER_FRAME_BYTES);
    const file = path.join(DIR, `${name}.png`);
    if (UPDATE) fs.writeFileSync(file, framePng(frame, EPAPER_WIDTH, EPAPER_HEIGHT));
    const golden = pngFrame(fs.readFileSync(file));
    assert.is(golden.width, EPAPER_WIDTH);
    assert.is(golden.height, EPAPER_HEIGHT);
    if (Buffer.compare(Buffer.from(golden.frame), Buffer.from(frame)) !== 0) {
      const out = path.join(os.tmpdir(), `tabla-render-${name}.png`);
      fs.writeFileSync(out, framePng(frame, EPAPER_WIDTH, EPAPER_HEIGHT));
      let pixels = 0;
      for (let i = 0; i < frame.length; i++) pixels += popcount(frame[i]! ^ golden.frame[i]!);
      assert.unreachable(`${name}: ${pixels} pixels differ from ${file}, in ${JSON.stringify(changedBands(golden.frame, frame))}; rendered: ${out}`);
    }
  });
}

test('rendering is deterministic: same bytes twice, and into a reused canvas', () => {
  for (const name of names) {
    const a = renderScreen(sample(name));
    const b = renderScreen(sample(name));
    assert.ok(Buffer.from(a).equals(Buffer.from(b)), name);
    assert.ok(framePng(a, EPAPER_WIDTH, EPAPER_HEIGHT).equals(framePng(b, EPAPER_WIDTH, EPAPER_HEIGHT)), `${name} png`);
  }
});

test('a frame is pure black and white ink, neither empty nor flooded', () => {
  for (const name of names) {
    const share = inkCount(renderScreen(sample(name))) / (EPAPER_WIDTH * EPAPER_HEIGHT);
    assert.ok(share > 0.03 && share < 0.4, `${name}: ${(share * 100).toFixed(1)}% black`);
  }
});

test('the header is a black band with the clock in white at the right', () => {
  const frame = renderScreen(sample('board-normal'));
  assert.ok(ink(frame, 2, 2) && ink(frame, 797, 49), 'band corners are black');
  let white = 0;
  for (let y = 0; y < 52; y++) for (let x = 700; x < 790; x++) if (!ink(frame, x, y)) white++;
  assert.ok(white > 200, `clock drawn in white (${white} px)`);
  const noClock = renderScreen({ ...(sample('board-normal') as BoardScreen), clock: '' });
  let white2 = 0;
  for (let y = 0; y < 52; y++) for (let x = 700; x < 790; x++) if (!ink(noClock, x, y)) white2++;
  assert.is(white2, 0);
});

test('rows beyond MAX_ROWS are not drawn and are counted; stats add up across renders', () => {
  const board = sample('board-normal') as BoardScreen;
  const rows = [...board.rows, ...board.rows];
  const stats = newRenderStats();
  const many = renderScreen({ ...board, rows }, { stats });
  assert.is(stats.rowsDropped, rows.length - MAX_ROWS);
  assert.ok(Buffer.from(many).equals(Buffer.from(renderScreen({ ...board, rows: rows.slice(0, MAX_ROWS) }))));
  renderScreen(sample('long-names'), { stats });
  assert.is(stats.missingGlyphs, 1, 'the snowman has no glyph in Terminus');
  assert.ok(stats.shortened >= 5, `long names shortened (${stats.shortened})`);
});

test('scheduled departures change the frame (the mark and the legend), live ones do not carry it', () => {
  const board = { ...(sample('board-scheduled') as BoardScreen), updated: 'Posodobljeno 14:02' };
  const live = renderScreen({ ...board, rows: board.rows.map((r) => ({ ...r, scheduled: false })) });
  const scheduled = renderScreen(board);
  const windows = changedBands(live, scheduled);
  assert.ok(windows.length > 0);
  // The marks sit left of the times, the legend at the bottom right: nothing changes at the left.
  for (const w of windows) assert.ok(w.x >= 400, JSON.stringify(w));
  assert.ok(windows.some((w) => w.y + w.height > 460), 'legend in the status line');
});

test('out of service draws no clock and no departure even from a board-like stop name', () => {
  const frame = renderScreen(sample('out-of-service'));
  let top = 0;
  for (let y = 0; y < 52; y++) for (let x = 0; x < EPAPER_WIDTH; x++) if (ink(frame, x, y)) top++;
  assert.is(top, 0, 'no header band');
  const withoutStop = renderScreen({ kind: 'out-of-service', stop: null, title: 'Prikazovalnik ne deluje', detail: null });
  assert.ok(inkCount(withoutStop) < inkCount(frame));
});

test('an unknown screen kind is a TypeError naming it', () => {
  assert.throws(() => renderScreen({ kind: 'parking' } as unknown as Screen), (err: Error) => err instanceof TypeError && /"parking"/.test(err.message));
});

test('a canvas of the wrong size is refused', async () => {
  const { Bitmap1bpp } = await import('../../device/render/index.js');
  assert.throws(() => renderScreen(sample('board-normal'), { canvas: new Bitmap1bpp(640, 384) }), /640×384/);
  const canvas = new Bitmap1bpp(EPAPER_WIDTH, EPAPER_HEIGHT);
  canvas.clear(true);
  const frame = renderScreen(sample('board-normal'), { canvas });
  assert.is(frame, canvas.bytes);
  assert.ok(Buffer.from(frame).equals(Buffer.from(renderScreen(sample('board-normal')))), 'the canvas is cleared first');
});

test.run();
