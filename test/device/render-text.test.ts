/**
 * The renderer's fonts and text: the committed Terminus modules match their BDF files, the
 * Slovenian letters are there, doubling is exact, missing glyphs are boxes that get counted, and
 * shortening and wrapping keep whole letters and prefer word boundaries.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { bdfPath, fontModule, modulePath, readBdf, SIZES } from '../../scripts/fonts/build.mjs';
import { Bitmap1bpp, drawText, ELLIPSIS, fitText, fontSet, lettersOf, measureText, scaleFont, wrapText, type TextStats } from '../../device/render/index.js';

const fonts = fontSet();
const stats = (): TextStats => ({ missingGlyphs: 0, shortened: 0 });

test('the committed font modules are what scripts/fonts/build.mjs makes of the bundled BDF files', async () => {
  for (const size of SIZES) {
    assert.is(fs.readFileSync(modulePath(size), 'utf8'), await fontModule(bdfPath(size)), size);
  }
});

test('decoded glyphs equal the BDF cells, č š ž ć đ and the ellipsis included', async () => {
  const bdf = await readBdf(bdfPath('32b'));
  const font = fonts.large;
  assert.is(font.width, bdf.width);
  assert.is(font.height, bdf.height);
  for (const ch of 'AčšžćđČŠŽĆĐ…–→€') {
    const cp = ch.codePointAt(0)!;
    const cell = bdf.glyphs.get(cp);
    assert.ok(cell, `BDF has ${ch}`);
    const at = font.glyph(cp);
    assert.ok(at >= 0, `font has ${ch}`);
    assert.equal([...font.bits.subarray(at, at + font.glyphBytes)], [...cell!], ch);
  }
  assert.ok([...cellOf(font, 'č')].some((b) => b !== 0), 'č has ink');
});

function cellOf(font: typeof fonts.large, ch: string): Uint8Array {
  const at = font.glyph(ch.codePointAt(0)!);
  return font.bits.subarray(at, at + font.glyphBytes);
}

test('scaleFont doubles every pixel', () => {
  const small = fonts.small;
  const double = scaleFont(small, 2);
  assert.is(double.width, 16);
  assert.is(double.height, 32);
  const at = small.glyph('š'.codePointAt(0)!);
  const at2 = double.glyph('š'.codePointAt(0)!);
  for (let y = 0; y < double.height; y++) {
    for (let x = 0; x < double.width; x++) {
      const sx = x >> 1;
      const src = (small.bits[at + (y >> 1) * small.rowBytes + (sx >> 3)]! & (0x80 >> (sx & 7))) !== 0;
      const dst = (double.bits[at2 + y * double.rowBytes + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
      assert.is(dst, src, `(${x}, ${y})`);
    }
  }
  assert.throws(() => scaleFont(small, 1.5), /factor/);
});

test('measureText: cell widths per letter, NFC first, missing glyphs counted', () => {
  const f = fonts.medium;
  assert.equal(measureText(f, 'Šalek'), { width: 5 * f.width, letters: 5, missing: 0 });
  // c + combining caron is one letter, č, after NFC.
  assert.equal(measureText(f, 'Bevc\u030Ce'), { width: 5 * f.width, letters: 5, missing: 0 });
  assert.equal(measureText(f, 'a☃b😀'), { width: 4 * f.width, letters: 4, missing: 2 });
  // A mark with no precomposed form stays with its letter and is counted.
  assert.equal(measureText(f, 'q\u0301x'), { width: 2 * f.width, letters: 2, missing: 1 });
  assert.equal(lettersOf('a\tb\nc'), ['a', ' ', 'b', ' ', 'c']);
});

test('a missing glyph is drawn as the replacement box and counted, never thrown', () => {
  const canvas = new Bitmap1bpp(64, 40);
  const s = stats();
  const w = drawText(canvas, fonts.medium, '☃', 0, 0, { stats: s });
  assert.is(w, fonts.medium.width);
  assert.is(s.missingGlyphs, 1);
  assert.ok(canvas.bytes.some((b) => b !== 0), 'the box has ink');
  const canvas2 = new Bitmap1bpp(64, 40);
  drawText(canvas2, fonts.medium, '\u{1F68C}', 0, 0);
  assert.equal([...canvas2.bytes], [...canvas.bytes], 'every missing glyph gets the same box');
});

test('fitText: unchanged when it fits; at a word boundary when that keeps most of it; never mid-letter', () => {
  const f = fonts.large; // 16 px a letter
  const s = stats();
  assert.is(fitText(f, 'Šalek', 5 * 16, s), 'Šalek');
  assert.is(s.shortened, 0);
  assert.is(fitText(f, 'Avtobusna postaja Velenje', 20 * 16, s), 'Avtobusna postaja' + ELLIPSIS);
  assert.is(s.shortened, 1);
  // The first word alone would waste the room: cut between letters instead.
  assert.is(fitText(f, 'Muzej premogovništva Slovenije', 16 * 16), 'Muzej premogovn' + ELLIPSIS);
  // Trailing punctuation does not stay before the ellipsis.
  assert.is(fitText(f, 'Šolski center, Šaleška cesta', 20 * 16), 'Šolski center' + ELLIPSIS);
  // Decomposed input: the cut never separates a letter from its caron.
  const cut = fitText(f, 'c\u030Cc\u030Cc\u030Cc\u030Cc\u030C', 3 * 16);
  assert.is(cut, 'čč' + ELLIPSIS);
  assert.is(fitText(f, 'Gorica', 8), '');
  for (const room of [1, 2, 5, 9, 13]) assert.ok(measureText(f, fitText(f, 'Železniška postaja Velenje', room * 16)).width <= room * 16, `room ${room}`);
});

test('wrapText: lines at spaces, a long word broken, the rest cut with … on the last line', () => {
  const f = fonts.medium; // 12 px a letter
  assert.equal(wrapText(f, 'Ni odhodov v naslednji uri', 12 * 12, 3), ['Ni odhodov v', 'naslednji', 'uri']);
  const s = stats();
  const two = wrapText(f, 'Ni odhodov v naslednji uri', 12 * 12, 2, s);
  assert.is(two.length, 2);
  assert.is(two[0], 'Ni odhodov v');
  assert.ok(two[1]!.endsWith(ELLIPSIS), two[1]);
  assert.is(s.shortened, 1);
  assert.equal(wrapText(f, 'Železniškapostaja', 6 * 12, 3), ['Železn', 'iškapo', 'staja']);
  assert.equal(wrapText(f, '', 100, 2), []);
  for (const line of wrapText(f, 'Zaradi prireditve na Titovem trgu bo rumena linija vozila po obvozu', 20 * 12, 2)) {
    assert.ok(measureText(f, line).width <= 20 * 12, line);
  }
});

test.run();
