/**
 * The stop display's renderer: Screen (device/modules/departures/screen.ts) → 1-bpp frame in the
 * panel's convention (hardware/epaper/epaper.ts), the windows that changed between two frames for
 * partial refreshes, and PNG images of frames for tests and previews.
 *
 *   canvas/   Bitmap1bpp, the 1-bit canvas
 *   fonts/    Terminus Font (SIL OFL 1.1) as generated TS modules, decoding and 2× scaling
 *   text/     measuring, drawing, shortening and wrapping text
 *   layout/   the screens: board, empty, out of service, and the header and footer they share
 *   refresh/  changedBands
 *   png/      framePng / pngFrame
 */
export { Bitmap1bpp } from './canvas/bitmap.js';
export { BitmapFont, fontSet, loadFont, scaleFont, type FontData, type FontSet } from './fonts/font.js';
export { drawText, drawTextCentred, drawTextRight, ELLIPSIS, fitText, lettersOf, measureText, wrapText, type DrawOptions, type TextMeasure, type TextStats } from './text/text.js';
export { LOAD_TEXT } from './layout/board.js';
export { SCHEDULED_LEGEND } from './layout/frame.js';
export { changedBands, type BandOptions } from './refresh/bands.js';
export { framePng, pngFrame } from './png/png.js';
export { newRenderStats, renderScreen, type RenderOptions, type RenderStats } from './render.js';
export { SAMPLE_SCREENS } from './samples.js';
