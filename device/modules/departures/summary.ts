/**
 * The frame summary, as the fleet and `tabla device` show it: of an arrival board
 * (`3 departures; next 14:05 rumena → Center`) for a display without a panel, of the screen on the
 * glass (`3 departures; next 3 min rumena → Center`) for one with. Pure.
 */
import { createHash } from 'node:crypto';
import type { ArrivalBoard } from '../../../protocols/index.js';
import type { Screen } from './screen.js';

const MAX_SUMMARY = 2000;

export function boardSummary(board: ArrivalBoard, timeZone: string): string {
  const n = board.departures.length;
  if (!n) return board.message ? `no departures — ${board.message}` : 'no departures';
  const next = board.departures.reduce((a, b) => (Date.parse(b.departsAt) < Date.parse(a.departsAt) ? b : a));
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(next.departsAt));
  let s = `${n} departure${n === 1 ? '' : 's'}; next ${time} ${next.line} → ${next.destination}${next.realtime ? '' : ' (scheduled)'}`;
  if (board.message) s += ` — ${board.message}`;
  return s.length > MAX_SUMMARY ? `${s.slice(0, MAX_SUMMARY - 1)}…` : s;
}

/** A stable hash of the board (its checked body, keys in schema order): the same board, the same hash. */
export function boardHash(board: ArrivalBoard): string {
  return createHash('sha256').update(JSON.stringify(board)).digest('hex');
}

/** What the glass shows, in one line: the rows' count and the first, or the empty screen's words. */
export function screenSummary(screen: Screen): string {
  let s: string;
  if (screen.kind === 'out-of-service') s = screen.detail ? `${screen.title} — ${screen.detail}` : screen.title;
  else {
    if (screen.kind === 'board') {
      const n = screen.rows.length;
      const next = screen.rows[0]!;
      s = `${n} departure${n === 1 ? '' : 's'}; next ${next.time} ${next.line} → ${next.destination}${next.scheduled ? ' (scheduled)' : ''}`;
    } else s = screen.detail ? `${screen.title}; ${screen.detail}` : screen.title;
    if (screen.notice) s += ` [${screen.notice}]`;
    if (screen.banner) s += ` — ${screen.banner}`;
  }
  return s.length > MAX_SUMMARY ? `${s.slice(0, MAX_SUMMARY - 1)}…` : s;
}
