/**
 * When a service message stops being shown (`tabla message … --until <time>`), as a person writes
 * it. Pure. The forms:
 *
 *   2026-11-30T18:00:00+01:00, 2026-11-30T17:00Z   an instant (ISO 8601 with its offset)
 *   2026-11-30T18:00, 2026-11-30 18:00             a wall-clock time in the fleet's time zone
 *   18:00, today 18:00, tomorrow 06:30             today's (tomorrow's) wall-clock time there
 *   +90m, 2h, 1h30m, 3d                            from now
 *
 * A date alone is refused (the start or the end of that day? the reader cannot tell). A wall-clock
 * time that does not exist (inside the spring DST gap) is refused; one that happens twice (the
 * autumn change) is the first. A time that has passed is refused, as is one more than a year ahead
 * (leave out --until: a message without one stays until cleared).
 */
import { gtfsLocalDate, isoLocal } from '../../../protocols/index.js';
import { addDays, isIsoDate, zoneOffsetMs } from '../../../protocols/gtfs/time.js';

export type UntilResult = { ok: true; at: number } | { ok: false; reason: string };

/** The furthest ahead an `until` may be. */
export const MAX_UNTIL_MS = 366 * 86_400_000;

const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const CLOCK = /^(?:(today|tomorrow)\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/i;
const DURATION = /^\+?(?=\d)(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?$/i;

export const UNTIL_FORMS = '18:00, tomorrow 06:30, 2026-11-30T18:00, 2026-11-30T18:00:00+01:00, +90m or 2h';

/** Whether `text` has one of the forms (the CLI's check before it asks the fleet); the reason when not. */
export function untilFormError(text: string): string | null {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t} is a date: add the time, e.g. ${t}T23:59 (the end of that day) or ${t}T00:00`;
  const m = INSTANT.exec(t);
  if (m) return isIsoDate(m[1]!) && hms(m[2], m[3], m[4]) !== null ? null : `${t} is not a real date and time`;
  const c = CLOCK.exec(t);
  if (c) return hms(c[2], c[3], c[4]) !== null ? null : `${t} is not a time of day (00:00 to 23:59)`;
  if (DURATION.test(t) && /[dhm]/i.test(t)) return null;
  return `cannot read "${t.slice(0, 40)}" as a time: one of ${UNTIL_FORMS}`;
}

/** `text` as an instant, the wall-clock forms read in `timeZone`; refused when malformed, past, or over a year ahead. */
export function parseUntil(text: string, now: number, timeZone: string): UntilResult {
  const t = text.trim();
  const wrong = untilFormError(t);
  if (wrong) return { ok: false, reason: wrong };
  let at: number | null;
  let said = t;
  const m = INSTANT.exec(t);
  const c = CLOCK.exec(t);
  if (m) {
    const s = hms(m[2], m[3], m[4])!;
    if (m[5]) {
      const zone = m[5].toUpperCase() === 'Z' ? 'Z' : `${m[5].slice(0, 3)}:${m[5].slice(-2)}`;
      at = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${zone}`);
    } else at = localInstant(m[1]!, s, timeZone);
    if (at === null) return { ok: false, reason: `${t} does not exist in ${timeZone} (the clocks go forward over it)` };
  } else if (c) {
    const today = gtfsLocalDate(now, timeZone);
    const date = c[1]?.toLowerCase() === 'tomorrow' ? addDays(today, 1) : today;
    at = localInstant(date, hms(c[2], c[3], c[4])!, timeZone);
    said = `${t} (${date})`;
    if (at === null) return { ok: false, reason: `${said} does not exist in ${timeZone} (the clocks go forward over it)` };
  } else {
    const d = DURATION.exec(t)!;
    at = now + ((Number(d[1] ?? 0) * 24 + Number(d[2] ?? 0)) * 60 + Number(d[3] ?? 0)) * 60_000;
  }
  if (!Number.isFinite(at)) return { ok: false, reason: `${t} is not a real date and time` };
  if (at <= now) return { ok: false, reason: `${said} has passed: it is ${isoLocal(now, timeZone).slice(0, 16).replace('T', ' ')} now in ${timeZone}` };
  if (at - now > MAX_UNTIL_MS) return { ok: false, reason: `${t} is more than a year ahead: leave out --until (the message stays until cleared)` };
  return { ok: true, at };
}

function hms(h: string | undefined, m: string | undefined, s: string | undefined): number | null {
  const [hh, mm, ss] = [Number(h), Number(m), Number(s ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) return null;
  return (hh * 60 + mm) * 60 + ss;
}

/**
 * The instant a wall-clock time of `date` has in `timeZone`: the earlier of the two in an autumn
 * change, null inside a spring gap. The offsets half a day either side are the only candidates.
 */
export function localInstant(date: string, seconds: number, timeZone: string): number | null {
  const wall = Date.parse(`${date}T00:00:00Z`) + seconds * 1000;
  let best: number | null = null;
  for (const probe of [wall - 43_200_000, wall + 43_200_000]) {
    const t = wall - zoneOffsetMs(probe, timeZone);
    if (t + zoneOffsetMs(t, timeZone) === wall && (best === null || t < best)) best = t;
  }
  return best;
}
