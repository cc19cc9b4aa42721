/**
 * What each row of a parking guidance panel shows: the decision, pure (the module does the I/O).
 *
 * A row is its arrow, its car park's name and its value, laid out to the sign's width: the free
 * count, `ZASEDENO` when the fleet says full, `ZAPRTO` when closed, `--` when the count is unknown,
 * missing or stale. Stale is the panel's own judgement, with or without the fleet: content older
 * than `staleAfterS`, or past its `validUntil`, whichever comes first. The state itself is the
 * fleet's (its occupancy engine applies the hysteresis); nothing here second-guesses it.
 *
 *   `< GLAZIJA   ZASEDENO`   left:     the arrow first
 *   `^ CELEIAPARK     123`   straight: the arrow first
 *   `MESTNI PARK   77 >`     right:    the arrow last, after the number
 *
 * The number is right-aligned so that a count going from 100 to 99 does not move the name; the
 * name gives way (cut) before the value does. Transliteration (Š → S) is the sign driver's.
 */
import type { PanelArrow, PanelSettings, ParkingCount, ParkingCounts } from '../../../protocols/index.js';

/** Content as the module keeps it: the body and when it arrived (ms since the Unix epoch, module clock). */
export interface StoredCounts {
  body: ParkingCounts;
  receivedAt: number;
}

export const FULL_TEXT = 'ZASEDENO';
export const CLOSED_TEXT = 'ZAPRTO';
export const BLANK_TEXT = '--';

/** A clock this far behind the time content arrived cannot vouch for its age: stale. */
export const CLOCK_SLACK_MS = 60_000;

const ARROW_GLYPH: Record<PanelArrow, string> = { left: '<', right: '>', straight: '^', none: '' };

export interface PanelRow {
  /** The STRING file of the sign that holds this row. */
  fileLabel: string;
  carParkId: string;
  arrow: PanelArrow;
  label: string;
  /** The count, ZASEDENO, ZAPRTO or `--`. */
  value: string;
  /** What the sign is given for the row (UTF-8; the driver transliterates). */
  text: string;
}

export interface Staleness {
  stale: boolean;
  /** Why the counts are stale (null when fresh, or when there are none). */
  reason: string | null;
}

export interface PanelPlan {
  rows: PanelRow[];
  /** No content at all yet (the rows show `--`). */
  empty: boolean;
  staleness: Staleness;
}

/**
 * The STRING file labels of `n` rows: `1`…`9`, then `a`…`g` (16 at most, as the settings allow).
 * Never `A` (the layout's TEXT file by default), `0` or `?` (not file labels on an Alpha sign).
 */
export function fileLabels(n: number): string[] {
  const all = '123456789abcdefg';
  if (n > all.length) throw new RangeError(`a panel has at most ${all.length} rows, not ${n}`);
  return [...all.slice(0, n)];
}

/** Whether counts that arrived at `receivedAt` are stale at `now`, and why. */
export function staleness(stored: StoredCounts | null, now: number, staleAfterS: number): Staleness {
  if (!stored) return { stale: false, reason: null };
  const age = now - stored.receivedAt;
  if (age < -CLOCK_SLACK_MS) return { stale: true, reason: `arrived ${Math.round(-age / 1000)} s in the future (clock set back?)` };
  if (age >= staleAfterS * 1000) return { stale: true, reason: `${Math.round(age / 1000)} s old (staleAfterS ${staleAfterS})` };
  const validUntil = Date.parse(stored.body.validUntil);
  if (!(now < validUntil)) return { stale: true, reason: `past validUntil ${stored.body.validUntil}` };
  return { stale: false, reason: null };
}

/** The value a row shows for a car park's count (undefined: the content has no row for it). */
export function rowValue(count: ParkingCount | undefined, stale: boolean): string {
  if (stale || !count) return BLANK_TEXT;
  switch (count.state) {
    case 'full':
      return FULL_TEXT;
    case 'closed':
      return CLOSED_TEXT;
    case 'unknown':
      return BLANK_TEXT;
    default:
      return count.free === null ? BLANK_TEXT : String(count.free);
  }
}

/**
 * One row's text, `width` characters when it fits: arrow, name, value right-aligned (right arrows
 * after it). The name is cut first; a value that cannot fit even without the name is left whole
 * for the driver to cut (and count).
 */
export function rowText(arrow: PanelArrow, label: string, value: string, width: number): string {
  const glyph = ARROW_GLYPH[arrow];
  const lead = glyph && arrow !== 'right' ? `${glyph} ` : '';
  const trail = glyph && arrow === 'right' ? ` ${glyph}` : '';
  const name = [...label.trim()];
  const room = width - lead.length - trail.length - value.length - 1; // one space between name and value at least
  if (room <= 0) return `${lead}${value}${trail}`;
  const shown = name.slice(0, room).join('').trimEnd();
  const pad = Math.max(1, width - lead.length - shown.length - value.length - trail.length);
  return `${lead}${shown}${' '.repeat(pad)}${value}${trail}`;
}

/**
 * The rows the panel shows now. With `settings.rows`, those (in their order, each matched to the
 * content by car park id, the settings' label before the fleet's); without, the content's rows in
 * its order, without arrows. With neither, one row of `--`, so the sign is never left blank.
 */
export function planRows(input: { stored: StoredCounts | null; now: number; settings: PanelSettings; width: number }): PanelPlan {
  const { stored, now, settings, width } = input;
  const staleNow = staleness(stored, now, settings.staleAfterS);
  const counts = stored?.body.rows ?? [];
  const byId = new Map(counts.map((c) => [c.carParkId, c]));
  const wanted: { carParkId: string; arrow: PanelArrow; label: string; count: ParkingCount | undefined }[] = settings.rows.length
    ? settings.rows.map((r) => {
        const count = byId.get(r.carParkId);
        return { carParkId: r.carParkId, arrow: r.arrow, label: r.label ?? count?.label ?? r.carParkId.toUpperCase(), count };
      })
    : counts.slice(0, fileLabels(16).length).map((c) => ({ carParkId: c.carParkId, arrow: 'none' as const, label: c.label, count: c }));
  if (!wanted.length) wanted.push({ carParkId: '', arrow: 'none', label: '', count: undefined });
  const labels = fileLabels(wanted.length);
  const rows = wanted.map((w, i) => {
    const value = rowValue(w.count, staleNow.stale);
    return { fileLabel: labels[i]!, carParkId: w.carParkId, arrow: w.arrow, label: w.label, value, text: rowText(w.arrow, w.label, value, width) };
  });
  return { rows, empty: stored === null, staleness: staleNow };
}

/** The rows as the frame's one-line summary: `GLAZIJA ZASEDENO · CELEIAPARK 123`. */
export function panelSummary(rows: readonly Pick<PanelRow, 'label' | 'value'>[]): string {
  return rows
    .map((r) => (r.label ? `${r.label} ${r.value}` : r.value))
    .join(' · ')
    .slice(0, 2000);
}
