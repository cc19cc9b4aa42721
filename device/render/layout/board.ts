/**
 * The departures board: header, up to MAX_ROWS rows, footer.
 *
 * A row, left to right:
 *   badge        the line's name (`rumena`) in white on a black box of a fixed width, shortened to it;
 *   destination  large, shortened at a word boundary with `…` to the room left of the load column
 *                (or of the time column on a row without a load);
 *   load         small text when the counters know it: `sedeži` (seats free), `stojišča` (standing
 *                room), `polno` (full: white on black, so it stands out);
 *   time         large, right-aligned: `zdaj`, `3 min`, `14:05`. A departure from the timetable
 *                (`scheduled`: no live prediction) has a clock face drawn just before its time; the
 *                footer's legend repeats the face with `po voznem redu`. Live times carry no mark:
 *                the mark tells the passenger which times may drift.
 * Rows are split by thin rules; their height shares what the footer leaves (at most 54 px).
 */
import { MAX_ROWS, type BoardScreen, type ScreenLoad, type ScreenRow } from '../../modules/departures/screen.js';
import { drawText, drawTextCentred, drawTextRight, fitText, measureText } from '../text/text.js';
import { drawFooter, drawHeader, HEADER_HEIGHT, MARGIN, type DrawContext } from './frame.js';
import { drawIcon, layoutIcons } from './icons.js';

/** The Slovenian words for a bus's load. */
export const LOAD_TEXT: Record<ScreenLoad, string> = { seats: 'sedeži', standing: 'stojišča', full: 'polno' };

const BADGE_WIDTH = 132;
const ROW_MAX = 54;
/** The time column: right edge; the widest expected time (`12 min`) fits in 6 cells. */
const TIME_CELLS = 6;
/** The load column's left edge, from the right margin: time column, room for the mark, gaps. */
const LOAD_WIDTH = 96;

export interface BoardLayout {
  rowsTop: number;
  rowHeight: number;
  rows: number;
}

/** Draws a board screen; returns where its rows went (for tests and for refresh planning). */
export function drawBoard(ctx: DrawContext, screen: BoardScreen): BoardLayout {
  const { canvas } = ctx;
  const rows = screen.rows.slice(0, MAX_ROWS);
  drawHeader(ctx, screen.stop, screen.clock);
  const footerTop = drawFooter(ctx, {
    notice: screen.notice,
    banner: screen.banner,
    updated: screen.updated,
    legend: rows.some((r) => r.scheduled),
    bikes: screen.bikes ?? null,
  });
  const rowsTop = HEADER_HEIGHT + 4;
  const rowHeight = Math.min(ROW_MAX, Math.floor((footerTop - 2 - rowsTop) / MAX_ROWS));
  rows.forEach((row, i) => {
    const top = rowsTop + i * rowHeight;
    drawRow(ctx, row, top, rowHeight);
    if (i < rows.length - 1) canvas.fillRect(MARGIN, top + rowHeight - 1, canvas.width - 2 * MARGIN, 1, true);
  });
  return { rowsTop, rowHeight, rows: rows.length };
}

function drawRow(ctx: DrawContext, row: ScreenRow, top: number, height: number): void {
  const { canvas, fonts, stats } = ctx;
  const centre = top + Math.floor(height / 2);
  const right = canvas.width - MARGIN;

  // Badge: black box, the line's name centred in white.
  const badgeFont = fonts.medium;
  const badgeHeight = Math.min(height - 8, 40);
  const badgeTop = centre - Math.floor(badgeHeight / 2);
  canvas.fillRect(MARGIN, badgeTop, BADGE_WIDTH, badgeHeight, true);
  const name = fitText(badgeFont, row.line, BADGE_WIDTH - 8, stats);
  drawTextCentred(canvas, badgeFont, name, MARGIN + BADGE_WIDTH / 2, centre - Math.floor(badgeFont.height / 2) + 1, { ink: false, stats });

  // Destination, load and time share one baseline (so a `j` in `zdaj` stays above the rule even in
  // the lowest rows, 42 px, when the footer is full).
  const large = fonts.large;
  const textTop = centre - Math.floor(large.height / 2) + 1;
  const baseline = textTop + large.ascent;

  // Time, right-aligned, with the scheduled mark before it.
  const timeFont = fonts.title;
  const time = fitText(timeFont, row.time, TIME_CELLS * timeFont.width, stats);
  const timeX = drawTextRight(canvas, timeFont, time, right, baseline - timeFont.ascent, { stats });
  const icon = layoutIcons().clockRow;
  // Terminus digits stand from the baseline to about 80% of the ascent: the mark is centred on them.
  const digitsMiddle = baseline - Math.floor(timeFont.ascent * 0.4);
  if (row.scheduled) drawIcon(canvas, icon, timeX - icon.width - 8, digitsMiddle - Math.ceil(icon.height / 2));

  // Load, in its own column left of the times.
  const timeColumn = right - TIME_CELLS * timeFont.width - icon.width - 8;
  const loadLeft = timeColumn - 12 - LOAD_WIDTH;
  if (row.load) drawLoad(ctx, row.load, loadLeft, baseline);

  // Destination: what is left.
  const destLeft = MARGIN + BADGE_WIDTH + 14;
  const destRight = (row.load ? loadLeft : timeColumn) - 12;
  drawText(canvas, large, fitText(large, row.destination, destRight - destLeft, stats), destLeft, textTop, { stats });
}

/** The load's word on the destination's baseline. */
function drawLoad(ctx: DrawContext, load: ScreenLoad, left: number, baseline: number): void {
  const { canvas, fonts, stats } = ctx;
  const font = fonts.medium;
  const text = LOAD_TEXT[load];
  const y = baseline - font.ascent;
  if (load === 'full') {
    const w = measureText(font, text).width + 8;
    canvas.fillRect(left, y - 3, w, font.height + 6, true);
    drawText(canvas, font, text, left + 4, y, { ink: false, stats });
  } else {
    drawText(canvas, font, text, left, y, { stats });
  }
}

