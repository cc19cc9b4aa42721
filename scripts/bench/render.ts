/**
 * [7] The stop display's renderer: full 800×480 frames of the sample screens
 * (device/render/samples.ts: boards, empty, out of service, long names) through `renderScreen`,
 * against a raw baseline measured in the same run.
 *
 * Raw baseline, defined: for each sample, one render is recorded on a canvas that logs its
 * primitive calls (clear, fillRect, invert, glyph and icon blits, with their exact arguments); the
 * baseline replays that log on a fresh canvas: the same allocation, the same pixels written by the
 * same primitives, with no layout, no text splitting, measuring, shortening or wrapping, no glyph
 * lookup. `render_ratio` = render p99 ÷ raw p99: what the layout and text handling cost on top of
 * the drawing itself (1.0 would mean they are free); `ratioP50` is the same at the median, steadier on
 * a shared machine, whose scheduling pauses reach the p99 of sub-millisecond work. The target is on the absolute time:
 * `render_ms_p99` ≤ 20 ms for a frame.
 */
import { EPAPER_HEIGHT, EPAPER_WIDTH } from '../../hardware/epaper/epaper.js';
import { Bitmap1bpp, renderScreen, SAMPLE_SCREENS } from '../../device/render/index.js';
import type { Screen } from '../../device/modules/departures/screen.js';

export interface RenderBenchResult {
  screens: number;
  frames: number;
  renderMsP50: number;
  renderMsP99: number;
  renderMsMax: number;
  /** The very first render of the process: fonts decoded and doubled on first use. */
  firstRenderMs: number;
  rawMsP50: number;
  rawMsP99: number;
  ratio: number;
  /** render p50 ÷ raw p50: the same comparison, less exposed to a busy machine's pauses. */
  ratioP50: number;
  /** Primitive calls a frame makes, mean over the samples. */
  primitivesPerFrame: number;
  blitsPerFrame: number;
}

type Call =
  | { op: 'clear'; ink: boolean }
  | { op: 'fillRect'; args: [number, number, number, number, boolean] }
  | { op: 'invert'; args: [number, number, number, number] }
  | { op: 'blit'; args: [Uint8Array, number, number, number, number, number, number, boolean] };

/** A canvas that logs its primitive calls (fillRect from strokeRect included) as it draws. */
class RecordingBitmap extends Bitmap1bpp {
  readonly calls: Call[] = [];
  override clear(ink = false): void {
    this.calls.push({ op: 'clear', ink });
    super.clear(ink);
  }
  override fillRect(x: number, y: number, w: number, h: number, ink = true): void {
    this.calls.push({ op: 'fillRect', args: [x, y, w, h, ink] });
    super.fillRect(x, y, w, h, ink);
  }
  override invert(x: number, y: number, w: number, h: number): void {
    this.calls.push({ op: 'invert', args: [x, y, w, h] });
    super.invert(x, y, w, h);
  }
  override blit(src: Uint8Array, offset: number, srcRowBytes: number, w: number, h: number, x: number, y: number, ink = true): void {
    this.calls.push({ op: 'blit', args: [src, offset, srcRowBytes, w, h, x, y, ink] });
    super.blit(src, offset, srcRowBytes, w, h, x, y, ink);
  }
}

function replay(calls: Call[]): Uint8Array {
  const canvas = new Bitmap1bpp(EPAPER_WIDTH, EPAPER_HEIGHT);
  for (const c of calls) {
    if (c.op === 'clear') canvas.clear(c.ink);
    else if (c.op === 'fillRect') canvas.fillRect(...c.args);
    else if (c.op === 'invert') canvas.invert(...c.args);
    else canvas.blit(...c.args);
  }
  return canvas.bytes;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export function benchRender(options: { rounds?: number; warmup?: number } = {}): RenderBenchResult {
  const rounds = options.rounds ?? 250;
  const warmup = options.warmup ?? 20;
  const screens: Screen[] = Object.values(SAMPLE_SCREENS);
  let t = performance.now();
  renderScreen(screens[0]!);
  const firstRenderMs = performance.now() - t;

  const logs = screens.map((screen) => {
    const canvas = new RecordingBitmap(EPAPER_WIDTH, EPAPER_HEIGHT);
    const frame = renderScreen(screen, { canvas });
    const calls = canvas.calls;
    // The replay must be the same frame, or it is not the same work.
    if (Buffer.compare(Buffer.from(replay(calls)), Buffer.from(frame)) !== 0) throw new Error('render bench: the replayed primitives give another frame');
    return calls;
  });

  const render: number[] = [];
  const raw: number[] = [];
  let sink = 0;
  for (let r = 0; r < warmup + rounds; r++) {
    for (let i = 0; i < screens.length; i++) {
      t = performance.now();
      sink ^= renderScreen(screens[i]!)[r % 100]!;
      const renderMs = performance.now() - t;
      t = performance.now();
      sink ^= replay(logs[i]!)[r % 100]!;
      const rawMs = performance.now() - t;
      if (r >= warmup) {
        render.push(renderMs);
        raw.push(rawMs);
      }
    }
  }
  if (sink === -1) throw new Error('unreachable');
  const renderMsP99 = percentile(render, 99);
  const rawMsP99 = percentile(raw, 99);
  const primitives = logs.reduce((n, l) => n + l.length, 0) / logs.length;
  const blits = logs.reduce((n, l) => n + l.filter((c) => c.op === 'blit').length, 0) / logs.length;
  return {
    screens: screens.length,
    frames: render.length,
    renderMsP50: percentile(render, 50),
    renderMsP99,
    renderMsMax: Math.max(...render),
    firstRenderMs,
    rawMsP50: percentile(raw, 50),
    rawMsP99,
    ratio: renderMsP99 / rawMsP99,
    ratioP50: percentile(render, 50) / percentile(raw, 50),
    primitivesPerFrame: primitives,
    blitsPerFrame: blits,
  };
}
