/**
 * Screen → 1-bpp frame for the stop display's 800×480 panel (hardware/epaper/epaper.ts's
 * convention). Deterministic: the same Screen gives the same bytes on every machine (bundled
 * Terminus glyphs, integer layout, no clock, no system fonts); crisp 1 bit, no grey.
 *
 * The layouts live in layout/ (board.ts: departures; message.ts: empty and out-of-service;
 * frame.ts: header and footer they share).
 */
import { EPAPER_HEIGHT, EPAPER_WIDTH, type Frame1bpp } from '../../hardware/epaper/epaper.js';
import type { Screen } from '../modules/departures/screen.js';
import { Bitmap1bpp } from './canvas/bitmap.js';
import { fontSet } from './fonts/font.js';
import { drawBoard } from './layout/board.js';
import type { DrawContext } from './layout/frame.js';
import { drawEmpty, drawOutOfService } from './layout/message.js';
import type { TextStats } from './text/text.js';

/** What a render counts; pass one in RenderOptions to read them (they are added to). */
export interface RenderStats extends TextStats {
  /** Board rows beyond MAX_ROWS, not drawn. */
  rowsDropped: number;
}

export interface RenderOptions {
  /** Counters to add this render's missing glyphs, shortened texts and dropped rows to. */
  stats?: RenderStats;
  /** Draw into this canvas (800×480; it is cleared first) instead of a new one; its bytes are returned. */
  canvas?: Bitmap1bpp;
}

export function newRenderStats(): RenderStats {
  return { missingGlyphs: 0, shortened: 0, rowsDropped: 0 };
}

/** Draws `screen`; throws a TypeError naming the kind when it is not one of Screen's. */
export function renderScreen(screen: Screen, options: RenderOptions = {}): Frame1bpp {
  const canvas = options.canvas ?? new Bitmap1bpp(EPAPER_WIDTH, EPAPER_HEIGHT);
  if (canvas.width !== EPAPER_WIDTH || canvas.height !== EPAPER_HEIGHT) {
    throw new RangeError(`renderScreen: canvas is ${canvas.width}×${canvas.height}, the panel is ${EPAPER_WIDTH}×${EPAPER_HEIGHT}`);
  }
  canvas.clear();
  const stats = options.stats ?? newRenderStats();
  const ctx: DrawContext = { canvas, fonts: fontSet(), stats };
  const kind = (screen as { kind?: unknown }).kind;
  switch (screen.kind) {
    case 'board': {
      const drawn = drawBoard(ctx, screen);
      stats.rowsDropped += screen.rows.length - drawn.rows;
      break;
    }
    case 'empty':
      drawEmpty(ctx, screen);
      break;
    case 'out-of-service':
      drawOutOfService(ctx, screen);
      break;
    default:
      throw new TypeError(`renderScreen: unknown screen kind ${JSON.stringify(kind)}`);
  }
  return canvas.bytes;
}
