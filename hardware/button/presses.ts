/**
 * A press timeline for the simulated button (simulated.ts, config `presses`): when someone at the
 * stop presses the talking button. JSON lines, one press a line (blank lines and lines starting
 * with `#` skipped):
 *
 *   {"at": "2026-03-10T09:00:03.500Z"}
 *   {"at": 1773133203500, "holdMs": 2000}
 *
 * `at` is when the button goes down: an ISO time with its zone, or ms since the epoch; `holdMs`
 * how long it is held (default 150 ms, a quick press). Every problem is reported with the file and
 * the line it is on: `presses.jsonl:3: "at" must be …`.
 */
import fs from 'node:fs/promises';

export interface TimelinePress {
  /** Wall-clock ms when the button goes down. */
  at: number;
  holdMs: number;
  line: number;
}

export class PressTimelineError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'PressTimelineError';
  }
}

export const DEFAULT_HOLD_MS = 150;
const MAX_HOLD_MS = 600_000;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export async function readPressTimeline(file: string): Promise<TimelinePress[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new PressTimelineError(file, 0, `cannot read the press timeline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parsePressTimeline(text, file);
}

/** The presses of a timeline's text, in time order. Throws a PressTimelineError at the first bad line. */
export function parsePressTimeline(text: string, file: string): TimelinePress[] {
  const presses: TimelinePress[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) return;
      const problem = (message: string) => new PressTimelineError(file, i + 1, message);
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch (err) {
        throw problem(`not JSON: ${(err as Error).message.split('\n')[0]}`);
      }
      presses.push({ ...checkPress(value, problem), line: i + 1 });
    });
  return presses.map((p, i) => ({ p, i })).sort((x, y) => x.p.at - y.p.at || x.i - y.i).map(({ p }) => p);
}

function checkPress(value: unknown, problem: (message: string) => Error): { at: number; holdMs: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('a press is an object: {"at": …}');
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'at' && key !== 'holdMs') throw problem(`unknown field ${JSON.stringify(key)} (a press has at, holdMs)`);
  let at: number;
  if (typeof o.at === 'number' && Number.isFinite(o.at) && o.at >= 0) at = Math.round(o.at);
  else if (typeof o.at === 'string' && ISO_WITH_ZONE.test(o.at) && Number.isFinite(Date.parse(o.at))) at = Date.parse(o.at);
  else throw problem(`"at" must be an ISO time with its zone (2026-03-10T09:00:00Z) or ms since the epoch, not ${JSON.stringify(o.at)}`);
  let holdMs = DEFAULT_HOLD_MS;
  if (o.holdMs !== undefined) {
    if (typeof o.holdMs !== 'number' || !Number.isFinite(o.holdMs) || o.holdMs <= 0 || o.holdMs > MAX_HOLD_MS) throw problem(`"holdMs" must be a number of ms, 0 < holdMs ≤ ${MAX_HOLD_MS}, not ${JSON.stringify(o.holdMs)}`);
    holdMs = o.holdMs;
  }
  return { at, holdMs };
}
