/**
 * A visit timeline for the simulated doors (simulated.ts, config `visits`): which door opens when,
 * and how many get off and on there. The demo writes one ahead for each bus from where its block
 * stands (scripts/lokalc/passengers.mjs), as it writes the bus's NMEA log; the simulated counter
 * walks each visit's passengers through the beams (passengers.ts) when the wall clock reaches it.
 *
 * The file is JSON lines, one visit a line (blank lines and lines starting with `#` are skipped),
 * or one JSON array of visits:
 *
 *   {"at": "2026-03-10T09:00:03.500Z", "door": 1, "boardings": 3, "alightings": 1}
 *   {"at": 1773133203500, "door": 2, "boardings": 0, "alightings": 2, "seed": 7}
 *
 * `at` is when the door opens: an ISO time with its zone, or ms since the epoch. `seed` seeds the
 * passengers' timeline (how they walk, who looks in and steps back); left out, it comes from `at`
 * and the door, so a file plays the same every time. Every problem is reported with the file and
 * the line it is on, the way a compiler does: `visits.jsonl:12: door 3 is not one of 1, 2`.
 */
import fs from 'node:fs/promises';
import { planStopVisit } from './passengers.js';

/** One door's visit: its passengers walk through from `at` (wall-clock ms) on, alightings first. */
export interface DoorVisit {
  at: number;
  door: number;
  boardings: number;
  alightings: number;
  seed?: number;
}

/** A visit as read from a file, with the line it is on. */
export interface TimelineVisit extends DoorVisit {
  line: number;
}

/** A visit timeline that cannot be read or played: `file:line: problem` (line 0: the file as a whole). */
export class VisitTimelineError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'VisitTimelineError';
  }
}

const FIELDS = ['at', 'door', 'boardings', 'alightings', 'seed'];
/** planStopVisit's bound on passengers per visit. */
const MAX_PASSENGERS = 10_000;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The seed a visit's passengers walk with: its own, else one from its time and door. */
export function visitSeed(visit: DoorVisit): number {
  if (visit.seed !== undefined) return visit.seed;
  return (Math.floor(visit.at % 4_294_967_296) + Math.imul(visit.door, 0x9e3779b1)) >>> 0;
}

/**
 * How long after `at` the visit's last passenger is clear of the door (ms): the same seeded plan the
 * simulated counter walks, so a timeline's writer can fit each visit inside the bus's dwell.
 */
export function visitWalkMs(visit: DoorVisit, debounceMs = 30): number {
  const plan = planStopVisit({ boardings: visit.boardings, alightings: visit.alightings, seed: visitSeed(visit), debounceMs });
  return plan.edges.at(-1)?.at ?? 0;
}

/** Reads and checks a timeline file (parseVisitTimeline); rejects with a VisitTimelineError naming the file. */
export async function readVisitTimeline(file: string, doors: readonly number[]): Promise<TimelineVisit[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new VisitTimelineError(file, 0, `cannot read the visit timeline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseVisitTimeline(text, file, doors);
}

/**
 * The visits of a timeline's text, in time order (visits at the same time in file order). Throws a
 * VisitTimelineError at the first problem: a line that is not JSON, a field missing, unknown or out
 * of range, a door the counter does not have.
 */
export function parseVisitTimeline(text: string, file: string, doors: readonly number[]): TimelineVisit[] {
  const body = text.replace(/^\uFEFF/, '');
  const entries = body.trimStart().startsWith('[') ? arrayEntries(body, file) : lineEntries(body);
  const visits = entries.map(({ text: json, line }) => {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new VisitTimelineError(file, line, `not JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    const problem = (message: string) => new VisitTimelineError(file, line, message);
    return { ...checkVisit(value, doors, problem), line };
  });
  return visits.map((v, i) => ({ v, i })).sort((x, y) => x.v.at - y.v.at || x.i - y.i).map(({ v }) => v);
}

function checkVisit(value: unknown, doors: readonly number[], problem: (message: string) => Error): DoorVisit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('a visit is an object: {"at": …, "door": …, "boardings": …, "alightings": …}');
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.includes(key)) throw problem(`unknown field ${JSON.stringify(key)} (a visit has ${FIELDS.join(', ')})`);
  for (const key of ['at', 'door', 'boardings', 'alightings']) if (!(key in o)) throw problem(`"${key}" is missing`);
  let at: number;
  if (typeof o.at === 'number' && Number.isFinite(o.at) && o.at >= 0) at = Math.round(o.at);
  else if (typeof o.at === 'string' && ISO_WITH_ZONE.test(o.at) && Number.isFinite(Date.parse(o.at))) at = Date.parse(o.at);
  else throw problem(`"at" must be an ISO time with its zone (2026-03-10T09:00:00Z) or ms since the epoch, not ${JSON.stringify(o.at)}`);
  if (typeof o.door !== 'number' || !doors.includes(o.door)) throw problem(`door ${JSON.stringify(o.door)} is not one of ${doors.join(', ')}`);
  const count = (key: 'boardings' | 'alightings') => {
    const n = o[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_PASSENGERS) throw problem(`"${key}" must be a whole number 0…${MAX_PASSENGERS}, not ${JSON.stringify(n)}`);
    return n;
  };
  const visit: DoorVisit = { at, door: o.door, boardings: count('boardings'), alightings: count('alightings') };
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffff_ffff) throw problem(`"seed" must be a whole number 0…4294967295, not ${JSON.stringify(o.seed)}`);
    visit.seed = o.seed;
  }
  return visit;
}

interface Entry {
  text: string;
  line: number;
}

/** JSON lines: one entry a line, blank lines and `#` comments skipped. */
function lineEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t !== '' && !t.startsWith('#')) entries.push({ text: t, line: i + 1 });
  });
  return entries;
}

/**
 * A JSON array cut into its entries, each with the line it starts on, so that each is parsed (and
 * any problem reported) on its own line. Strings and nesting are followed; the values themselves
 * are left to JSON.parse.
 */
function arrayEntries(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let i = text.indexOf('[');
  for (let k = 0; k < i; k++) if (text[k] === '\n') line++;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = line;
  const close = (end: number) => {
    const entry = start < 0 ? '' : text.slice(start, end).trim();
    if (entry === '') throw new VisitTimelineError(file, line, 'an empty entry in the array (a comma too many?)');
    entries.push({ text: entry, line: startLine });
    start = -1;
  };
  for (i++; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (start < 0 && !/\s/.test(c) && !(depth === 0 && (c === ',' || c === ']'))) {
      start = i;
      startLine = line;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (depth === 0 && c === ',') close(i);
    else if (depth === 0 && c === ']') {
      if (start >= 0 || entries.length > 0) close(i);
      const rest = text.slice(i + 1);
      const after = rest.length - rest.trimStart().length;
      if (after < rest.length) throw new VisitTimelineError(file, line + countNewlines(rest.slice(0, after)), 'text after the array');
      return entries;
    }
  }
  throw new VisitTimelineError(file, line, 'the array is not closed (a "]" is missing)');
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}
