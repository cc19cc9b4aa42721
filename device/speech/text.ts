/**
 * What the talking button says: a stop display's Screen (device/modules/departures/screen.ts) as
 * Slovenian sentences a listener understands, for a speech engine to read as they are.
 *
 *   Postajališče Center. Linija rumena, smer Šalek, čez tri minute. Avtobus je poln.
 *   Linija rdeča, smer Konovo, ob štirinajstih in pet minut, po voznem redu.
 *
 * Everything a display abbreviates is written out: `3 min` → `čez tri minute`, `14:05` → `ob
 * štirinajstih in pet minut` (numbers.ts says why that form), numbers as words with the noun's
 * grammatical number, `→` as `smer`. Departures from the timetable (not a live prediction) are
 * said to be `po voznem redu`. A screen with nothing to list is read as its title and detail.
 * Pure: no I/O, no clock.
 */
import type { BoardScreen, EmptyScreen, OutOfServiceScreen, Screen, ScreenLoad, ScreenRow } from '../modules/departures/screen.js';
import { clockTime, inMinutes, MAX_SPOKEN_NUMBER, MINUTES_NOMINATIVE, nounForm, numberWords } from './numbers.js';

export interface SpeechTextOptions {
  /** Departures read, soonest first (default 5: about half a minute of speech). */
  maxRows?: number;
  /** Say how full each bus is, where the display knows (default true). */
  load?: boolean;
}

export const DEFAULT_SPOKEN_ROWS = 5;

/** What is said when the button is pressed and the display has nothing to show yet. */
export const NO_SCREEN_TEXT = 'Podatki o odhodih trenutno niso na voljo.';

const LOAD_SENTENCE: Record<ScreenLoad, string> = {
  seats: 'Na voljo so prosti sedeži.',
  standing: 'Na voljo so samo stojišča.',
  full: 'Avtobus je poln.',
};

/** The screen as sentences, one string. */
export function speechText(screen: Screen, options: SpeechTextOptions = {}): string {
  const sentences = screen.kind === 'board' ? boardSentences(screen, options) : screen.kind === 'empty' ? emptySentences(screen) : outOfServiceSentences(screen);
  return sentences.filter((s) => s !== '').join(' ');
}

function boardSentences(screen: BoardScreen, options: SpeechTextOptions): string[] {
  const maxRows = options.maxRows ?? DEFAULT_SPOKEN_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError(`maxRows must be a whole number ≥ 1, not ${maxRows}`);
  const rows = screen.rows.slice(0, maxRows);
  return [
    stopSentence(screen.stop),
    sentence(screen.notice),
    ...(rows.length === 0 ? ['Ni odhodov.'] : rows.flatMap((row) => rowSentences(row, options.load ?? true))),
    noticeSentence(screen.banner),
  ];
}

function emptySentences(screen: EmptyScreen): string[] {
  return [stopSentence(screen.stop), sentence(screen.notice), sentence(screen.title), sentence(screen.detail), noticeSentence(screen.banner)];
}

function outOfServiceSentences(screen: OutOfServiceScreen): string[] {
  return [stopSentence(screen.stop), sentence(screen.title), sentence(screen.detail)];
}

/** `Linija rumena, smer Šalek, čez tri minute, po voznem redu.` and what is known of its load. */
export function rowSentences(row: ScreenRow, withLoad = true): string[] {
  const line = /^\d+$/.test(row.line.trim()) ? numberWords(Number(row.line.trim())) : speakable(row.line);
  const parts = [`Linija ${line}`, `smer ${speakable(row.destination)}`, whenSaid(row.time)];
  if (row.scheduled) parts.push('po voznem redu');
  const out = [`${parts.filter((p) => p !== '').join(', ')}.`];
  if (withLoad && row.load) out.push(LOAD_SENTENCE[row.load]);
  return out;
}

/**
 * A row's time as said: `zdaj` (now), `3 min` → `čez tri minute`, `14:05` (or `14.05`) →
 * `ob štirinajstih in pet minut`; anything else made speakable as it is.
 */
export function whenSaid(time: string): string {
  const t = time.trim();
  if (/^zdaj$/i.test(t)) return 'zdaj';
  const minutes = /^(\d{1,6})\s*min\.?$/i.exec(t);
  if (minutes) {
    const n = Number(minutes[1]);
    return n === 0 ? 'zdaj' : inMinutes(n);
  }
  const clock = /^(\d{1,2})[:.](\d{2})$/.exec(t);
  if (clock && Number(clock[1]) <= 23 && Number(clock[2]) <= 59) return clockTime(Number(clock[1]), Number(clock[2]));
  return speakable(t);
}

function stopSentence(stop: string | null): string {
  if (stop === null || stop.trim() === '') return '';
  // `Avtobusno postajališče Velenje` already says what it is.
  return /postaj/i.test(stop) ? sentence(stop) : sentence(`Postajališče ${stop}`);
}

function noticeSentence(text: string | null): string {
  return text === null || text.trim() === '' ? '' : sentence(`Obvestilo: ${text}`);
}

/** A display's text made speakable and closed with a full stop ('' for nothing). */
function sentence(text: string | null): string {
  if (text === null) return '';
  const t = speakable(text).replace(/[\s,;:]+$/, '');
  if (t === '') return '';
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * Display text as a speech engine should read it: `ob 15:40` → `ob petnajstih in štirideset
 * minut`, a bare `15:40` → `petnajst in štirideset minut`, `5 min` → `pet minut`, other whole
 * numbers as words, `→` as `smer`, brackets as pauses, the dots of a web address as `pika`.
 */
export function speakable(text: string): string {
  return text
    .replace(/\bob\s+(\d{1,2}):(\d{2})\b/g, (m, h: string, min: string) => (validClock(h, min) ? clockTime(Number(h), Number(min)) : m))
    .replace(/\b(\d{1,2}):(\d{2})\b/g, (m, h: string, min: string) => (validClock(h, min) ? bareClock(Number(h), Number(min)) : m))
    .replace(/\b(\d{1,6})\s*min\b\.?/g, (_m, n: string) => `${numberWords(Number(n), { gender: 'feminine' })} ${nounForm(Number(n), MINUTES_NOMINATIVE)}`)
    .replace(/\d+/g, (digits) => (Number(digits) <= MAX_SPOKEN_NUMBER && !/^0\d/.test(digits) ? numberWords(Number(digits)) : digits))
    .replace(/\s*(?:→|->)\s*/g, ', smer ')
    .replace(/\s*[()[\]]\s*/g, ', ')
    .replace(/([a-zčšž])\.(?=[a-zčšž])/gi, '$1 pika ')
    .replace(/\s+/g, ' ')
    .replace(/\s*,(\s*,)+/g, ',')
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/^[\s,]+/, '')
    .trim();
}

function validClock(h: string, min: string): boolean {
  return Number(h) <= 23 && Number(min) <= 59;
}

/** `15:40` without `ob` before it: `petnajst in štirideset minut`; `15:00` → `petnajst nič nič`. */
function bareClock(h: number, min: number): string {
  if (min === 0) return `${numberWords(h)} nič nič`;
  return `${numberWords(h)} in ${numberWords(min, { gender: 'feminine' })} ${nounForm(min, MINUTES_NOMINATIVE)}`;
}
