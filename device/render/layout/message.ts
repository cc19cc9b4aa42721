/**
 * Screens that say something instead of listing departures.
 *
 * Empty (no departure to list): the usual header and footer, between them the title centred as
 * large as it fits (48 px, else 32 px; two lines at most) and the detail under it (24 px, two
 * lines at most).
 *
 * Out of service: nothing that could pass for a departure or a time. No header band, no clock, no
 * footer: the stop's name at the top, the title in white on a full-width black band in the
 * largest size (64 px, else 48, else 32), the detail under it, all centred.
 */
import type { EmptyScreen, OutOfServiceScreen } from '../../modules/departures/screen.js';
import type { BitmapFont } from '../fonts/font.js';
import { drawTextCentred, fitText, wrapText } from '../text/text.js';
import { drawFooter, drawHeader, fitLargest, HEADER_HEIGHT, MARGIN, type DrawContext } from './frame.js';

const DETAIL_LINE = 30;
const TITLE_GAP = 18;

export function drawEmpty(ctx: DrawContext, screen: EmptyScreen): void {
  const { canvas, fonts, stats } = ctx;
  drawHeader(ctx, screen.stop, screen.clock);
  const footerTop = drawFooter(ctx, { notice: screen.notice, banner: screen.banner, updated: screen.updated, legend: false, bikes: screen.bikes ?? null });
  const room = canvas.width - 2 * MARGIN;
  const title = fitLargest(ctx, [fonts.title, fonts.large], screen.title, room, 2);
  const detail = screen.detail ? wrapText(fonts.medium, screen.detail, room, 2, stats) : [];
  const titleLine = title.font.height + 4;
  const blockHeight = title.lines.length * titleLine + (detail.length ? TITLE_GAP + detail.length * DETAIL_LINE : 0);
  let y = HEADER_HEIGHT + Math.max(8, Math.floor((footerTop - HEADER_HEIGHT - blockHeight) / 2));
  y = drawLines(ctx, title.font, title.lines, y, titleLine, true);
  if (detail.length) drawLines(ctx, fonts.medium, detail, y + TITLE_GAP, DETAIL_LINE, true);
}

export function drawOutOfService(ctx: DrawContext, screen: OutOfServiceScreen): void {
  const { canvas, fonts, stats } = ctx;
  const room = canvas.width - 2 * MARGIN;
  const stop = screen.stop ? fitText(fonts.large, screen.stop, room, stats) : null;
  const title = fitLargest(ctx, [fonts.huge, fonts.title, fonts.large], screen.title, room, 2);
  const detail = screen.detail ? wrapText(fonts.medium, screen.detail, room, 2, stats) : [];
  const titleLine = title.font.height + 8;
  const bandPad = 20;
  const bandHeight = title.lines.length * titleLine - 8 + 2 * bandPad;
  const stopHeight = stop ? fonts.large.height + 28 : 0;
  const detailHeight = detail.length ? 28 + detail.length * DETAIL_LINE : 0;
  let y = Math.max(8, Math.floor((canvas.height - stopHeight - bandHeight - detailHeight) / 2));
  if (stop) {
    drawTextCentred(canvas, fonts.large, stop, canvas.width / 2, y, { stats });
    y += stopHeight;
  }
  canvas.fillRect(0, y, canvas.width, bandHeight, true);
  drawLines(ctx, title.font, title.lines, y + bandPad, titleLine, false);
  y += bandHeight + 28;
  if (detail.length) drawLines(ctx, fonts.medium, detail, y, DETAIL_LINE, true);
}

/** Centred lines from `y` down; returns the y under the last one. */
function drawLines(ctx: DrawContext, font: BitmapFont, lines: string[], y: number, lineHeight: number, ink: boolean): number {
  for (const line of lines) {
    drawTextCentred(ctx.canvas, font, line, ctx.canvas.width / 2, y, { ink, stats: ctx.stats });
    y += lineHeight;
  }
  return y;
}
