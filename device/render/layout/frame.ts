/**
 * The parts every stop-display screen shares: the header band (the stop's name and the clock) and
 * the footer (a notice about the data, the operator's service message, bike share near the stop,
 * the time of the last update and the legend of the scheduled mark), stacked from the bottom so that the departures get what
 * is left. Pure drawing on a canvas; the numbers here are the layout.
 */
import type { Bitmap1bpp } from '../canvas/bitmap.js';
import type { BitmapFont, FontSet } from '../fonts/font.js';
import { drawText, drawTextCentred, drawTextRight, fitText, measureText, wrapText, type TextStats } from '../text/text.js';
import { drawIcon, layoutIcons } from './icons.js';

/** What drawing needs: the canvas, the fonts and the counters of the render. */
export interface DrawContext {
  canvas: Bitmap1bpp;
  fonts: FontSet;
  stats: TextStats;
}

/** Left and right margin, px. */
export const MARGIN = 12;
/** Height of the header band, px. */
export const HEADER_HEIGHT = 52;
/** The legend of the mark drawn before a time that comes from the timetable. */
export const SCHEDULED_LEGEND = 'po voznem redu';

/**
 * The header: a black band, the stop's name at the left in white, the clock at the right. The name
 * is shortened to leave the clock its room.
 */
export function drawHeader(ctx: DrawContext, stop: string, clock: string): void {
  const { canvas, fonts } = ctx;
  const font = fonts.large;
  canvas.fillRect(0, 0, canvas.width, HEADER_HEIGHT, true);
  const y = Math.floor((HEADER_HEIGHT - font.height) / 2) + 2;
  const clockWidth = measureText(font, clock).width;
  const right = canvas.width - MARGIN;
  if (clock) drawTextRight(canvas, font, clock, right, y, { ink: false, stats: ctx.stats });
  const nameRoom = right - (clock ? clockWidth + 3 * font.width : 0) - MARGIN;
  drawText(canvas, font, fitText(font, stop, nameRoom, ctx.stats), MARGIN, y, { ink: false, stats: ctx.stats });
}

export interface FooterContent {
  notice: string | null;
  banner: string | null;
  updated: string | null;
  /** Whether a departure above carries the scheduled mark (then the legend is shown). */
  legend: boolean;
  /** Bike share near the stop, one line (`Kolesa: … 4 kolesa · 6 mest`); absent or null: none. */
  bikes?: string | null;
}

const STATUS_HEIGHT = 22;
const NOTICE_HEIGHT = 36;
const BANNER_LINE = 26;
const BANNER_PAD = 5;
const GAP = 4;
const BIKES_HEIGHT = 28;

/**
 * Draws the footer and returns its top edge, px: the space above it is for the screen's content.
 *   - status line (bottom, small): `updated` at the left, the legend (clock mark + `po voznem redu`)
 *     at the right, under a thin rule;
 *   - bikes (bike share near the stop): one line in the medium font at the left, shortened to fit,
 *     under a thin rule of its own;
 *   - banner (the operator's message): a full-width black band, white text, at most 2 lines, the
 *     rest cut with `…`;
 *   - notice (about the data, e.g. live data unavailable): one line in a thick frame, above the
 *     banner, next to the departures it qualifies.
 */
export function drawFooter(ctx: DrawContext, content: FooterContent): number {
  const { canvas, fonts, stats } = ctx;
  const width = canvas.width;
  let y = canvas.height;
  if (content.updated || content.legend) {
    y -= STATUS_HEIGHT;
    const small = fonts.small;
    const ty = y + Math.floor((STATUS_HEIGHT - small.height) / 2) + 1;
    let legendX = width - MARGIN;
    if (content.legend) {
      const icon = layoutIcons().clockLegend;
      legendX = drawTextRight(canvas, small, SCHEDULED_LEGEND, width - MARGIN, ty, { stats });
      legendX -= icon.width + 6;
      drawIcon(canvas, icon, legendX, ty + Math.floor((small.height - icon.height) / 2));
      legendX -= 3 * small.width;
    }
    if (content.updated) drawText(canvas, small, fitText(small, content.updated, legendX - MARGIN, stats), MARGIN, ty, { stats });
    if (!content.banner && !content.bikes) canvas.fillRect(MARGIN, y, width - 2 * MARGIN, 1, true);
  }
  if (content.bikes) {
    const font = fonts.medium;
    y -= BIKES_HEIGHT;
    drawText(canvas, font, fitText(font, content.bikes, width - 2 * MARGIN, stats), MARGIN, y + Math.floor((BIKES_HEIGHT - font.height) / 2) + 1, { stats });
    if (!content.banner) canvas.fillRect(MARGIN, y, width - 2 * MARGIN, 1, true);
  }
  if (content.banner) {
    const font = fonts.medium;
    const lines = wrapText(font, content.banner, width - 2 * MARGIN, 2, stats);
    const h = lines.length * BANNER_LINE + 2 * BANNER_PAD;
    y -= h;
    canvas.fillRect(0, y, width, h, true);
    lines.forEach((line, i) => drawText(canvas, font, line, MARGIN, y + BANNER_PAD + i * BANNER_LINE + 1, { ink: false, stats }));
    y -= GAP;
  }
  if (content.notice) {
    const font = fonts.medium;
    y -= NOTICE_HEIGHT;
    canvas.strokeRect(MARGIN - 4, y, width - 2 * (MARGIN - 4), NOTICE_HEIGHT, 3, true);
    const text = fitText(font, content.notice, width - 2 * (MARGIN + 8), stats);
    drawTextCentred(canvas, font, text, width / 2, y + Math.floor((NOTICE_HEIGHT - font.height) / 2) + 1, { stats });
    y -= GAP;
  }
  return y;
}

const wordCount = (text: string) => text.split(/\s+/u).filter((w) => w.length > 0).length;

/**
 * `text` in the largest of `fonts` (tried in order) it fits in `maxLines` lines without being
 * shortened; in the last one, shortened, when none does.
 */
export function fitLargest(ctx: DrawContext, fonts: BitmapFont[], text: string, maxWidth: number, maxLines: number): { font: BitmapFont; lines: string[] } {
  for (const font of fonts) {
    const probe: TextStats = { missingGlyphs: 0, shortened: 0 };
    const lines = wrapText(font, text, maxWidth, maxLines, probe);
    // No `…` and no word broken between letters.
    if (probe.shortened === 0 && wordCount(lines.join(' ')) === wordCount(text)) return { font, lines };
  }
  const font = fonts[fonts.length - 1]!;
  return { font, lines: wrapText(font, text, maxWidth, maxLines, ctx.stats) };
}
