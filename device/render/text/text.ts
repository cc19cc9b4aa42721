/**
 * Text on the canvas: measuring, drawing, shortening and wrapping with a cell font.
 *
 * Text is taken in NFC (so `č` is one code point, not `c` + caron), line breaks and tabs become
 * spaces, and it is handled as letters: a code point with the combining marks that follow it.
 * Shortening never cuts a letter: it stops at a word boundary where that keeps most of the text,
 * otherwise between two letters, and ends with `…`. A code point the font lacks is drawn as the
 * font's replacement box and counted; a combining mark left over after NFC is not drawn and is
 * counted too.
 */
import type { Bitmap1bpp } from '../canvas/bitmap.js';
import type { BitmapFont } from '../fonts/font.js';

export const ELLIPSIS = '…';

/** Counters a render fills in (see RenderStats). */
export interface TextStats {
  /** Code points drawn as the replacement box or dropped (combining marks without a precomposed form). */
  missingGlyphs: number;
  /** Texts that did not fit and were shortened with `…`. */
  shortened: number;
}

export interface TextMeasure {
  /** Width, px. */
  width: number;
  /** Letters (a code point and its combining marks). */
  letters: number;
  /** Code points the font cannot draw. */
  missing: number;
}

const MARK = /\p{M}/u;
const LETTERS = /\P{M}\p{M}*|\p{M}+/gu;

/** The letters of `text`, cleaned as described at the top of this file. */
export function lettersOf(text: string): string[] {
  return text.normalize('NFC').replace(/[\t\n\r\v\f\u2028\u2029]+/g, ' ').match(LETTERS) ?? [];
}

/** Width (px), letters and missing glyphs of `text` in `font`. */
export function measureText(font: BitmapFont, text: string): TextMeasure {
  const letters = lettersOf(text);
  let missing = 0;
  for (const l of letters) missing += missingIn(font, l);
  return { width: letters.length * font.width, letters: letters.length, missing };
}

function missingIn(font: BitmapFont, letter: string): number {
  let missing = 0;
  let first = true;
  for (const ch of letter) {
    const cp = ch.codePointAt(0)!;
    if (first && !MARK.test(ch)) {
      if (!font.has(cp)) missing++;
    } else missing++;
    first = false;
  }
  return missing;
}

export interface DrawOptions {
  /** Black text (default) or white (on a black band). */
  ink?: boolean;
  stats?: TextStats;
}

/**
 * Draws `text` with its cell's top-left corner at (x, y); returns the width drawn, px. Does not
 * shorten: pass it through `fitText` first when the space is limited.
 */
export function drawText(canvas: Bitmap1bpp, font: BitmapFont, text: string, x: number, y: number, options: DrawOptions = {}): number {
  const ink = options.ink ?? true;
  let cx = x;
  for (const letter of lettersOf(text)) {
    const cp = letter.codePointAt(0)!;
    let offset = MARK.test(letter[0]!) ? -1 : font.glyph(cp);
    if (options.stats) options.stats.missingGlyphs += missingIn(font, letter);
    if (offset < 0) offset = font.replacement;
    if (cp !== 0x20) canvas.blit(font.bits, offset, font.rowBytes, font.width, font.height, cx, y, ink);
    cx += font.width;
  }
  return cx - x;
}

/** Right-aligned: the text ends at `right`. Returns the x it starts at. */
export function drawTextRight(canvas: Bitmap1bpp, font: BitmapFont, text: string, right: number, y: number, options: DrawOptions = {}): number {
  const x = right - measureText(font, text).width;
  drawText(canvas, font, text, x, y, options);
  return x;
}

/** Centred on `centre`. Returns the x it starts at. */
export function drawTextCentred(canvas: Bitmap1bpp, font: BitmapFont, text: string, centre: number, y: number, options: DrawOptions = {}): number {
  const x = centre - Math.floor(measureText(font, text).width / 2);
  drawText(canvas, font, text, x, y, options);
  return x;
}

/** Characters a shortened text should not end on before the `…`. */
const TRAILING = /[\s,;:.\-–—/(]+$/u;

/**
 * `text` if it fits in `maxWidth` px, else shortened with `…`: at the last word boundary that keeps
 * at least 60% of the room, otherwise after the last letter that fits. Counts a shortening in
 * `stats`. With no room even for `…`, the result is empty.
 */
export function fitText(font: BitmapFont, text: string, maxWidth: number, stats?: TextStats): string {
  const letters = lettersOf(text);
  const room = Math.floor(maxWidth / font.width);
  if (letters.length <= room) return letters.join('').trim();
  if (stats) stats.shortened++;
  if (room < 1) return '';
  const keep = room - 1;
  let cut = keep;
  for (let i = keep; i > 0; i--) {
    if (letters[i] === ' ' && i >= Math.ceil(keep * 0.6)) {
      cut = i;
      break;
    }
  }
  const head = letters.slice(0, cut).join('').replace(TRAILING, '');
  return head.length > 0 ? head + ELLIPSIS : letters.slice(0, keep).join('') + ELLIPSIS;
}

/**
 * `text` broken into at most `maxLines` lines of at most `maxWidth` px, at spaces (a word longer
 * than a line is broken between letters); what does not fit is cut from the last line with `…`.
 */
export function wrapText(font: BitmapFont, text: string, maxWidth: number, maxLines: number, stats?: TextStats): string[] {
  const room = Math.max(1, Math.floor(maxWidth / font.width));
  const lines: string[] = [];
  let current: string[] = [];
  for (const word of lettersOf(text).join('').split(' ')) {
    let letters = lettersOf(word);
    if (letters.length === 0) continue;
    if (current.length > 0 && current.length + 1 + letters.length <= room) {
      current.push(' ', ...letters);
      continue;
    }
    if (current.length > 0) lines.push(current.join(''));
    // A word longer than a whole line is broken between letters.
    while (letters.length > room) {
      lines.push(letters.slice(0, room).join(''));
      letters = letters.slice(room);
    }
    current = letters;
  }
  if (current.length > 0) lines.push(current.join(''));
  if (lines.length <= maxLines) return lines;
  if (maxLines < 1) return [];
  // More text than lines: the last line takes the rest, shortened with `…`.
  const rest = lines.slice(maxLines - 1).join(' ');
  return [...lines.slice(0, maxLines - 1), fitText(font, rest, room * font.width, stats)];
}
