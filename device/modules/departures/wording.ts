/**
 * What the stop display says, in Slovenian, and the local times it says it with: every string a
 * passenger reads on the glass is made here (plan.ts decides which). Pure; the stop's time zone is
 * passed in, never read from the host.
 *
 * Times are written `14:05` (hours with two digits, as on Slovenian timetables and station boards),
 * minutes away as `3 min`, under one minute `zdaj`.
 */

export const TEXT = {
  liveUnavailable: 'Podatki v živo trenutno niso na voljo',
  noneToday: 'Danes ni več odhodov',
  /**
   * No trips call here today (a Sunday or holiday without service, a stop closed for works): "today
   * buses do not stop here" says both, where "the stop is not in use" would suggest it is gone.
   */
  notServed: 'Danes avtobusi tu ne ustavljajo',
  noData: 'Ni podatkov o odhodih',
  outOfService: 'Prikazovalnik ne deluje',
  now: 'zdaj',
} as const;

/** `Ni odhodov v naslednji uri` for an hour; other horizons in hours or minutes, declined. */
export function noneWithinTitle(horizonMin: number): string {
  if (horizonMin === 60) return 'Ni odhodov v naslednji uri';
  if (horizonMin === 120) return 'Ni odhodov v naslednjih dveh urah';
  if (horizonMin === 180) return 'Ni odhodov v naslednjih treh urah';
  // Locative plural (and dual: "v naslednjih dveh minutah" has the same ending): minutah.
  return `Ni odhodov v naslednjih ${horizonMin} minutah`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Year, month, day, hour, minute of `ms` on the wall clocks of `timeZone`. */
export function wallClock(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute! };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `14:05`, in the stop's time zone. */
export function clockTime(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** The local calendar date, `2026-03-02`. */
export function localDate(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** Days from date `a` to date `b` (both `YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * A row's time: `zdaj` under a minute, `N min` (whole minutes, rounded down, as countdown boards
 * do) up to `countdownMin`, then the clock time.
 */
export function rowTime(t: number, now: number, countdownMin: number, timeZone: string): string {
  const minutes = Math.floor((t - now) / 60_000);
  if (minutes < 1) return TEXT.now;
  if (minutes <= countdownMin) return `${minutes} min`;
  return clockTime(t, timeZone);
}

/** `v ponedeljek`, … (the accusative the weekday takes after `v`), Sunday first. */
const ON_WEEKDAY = ['v nedeljo', 'v ponedeljek', 'v torek', 'v sredo', 'v četrtek', 'v petek', 'v soboto'];

export interface NextDeparture {
  t: number;
  line: string;
  destination: string;
}

/**
 * The second line of an empty screen: `Naslednji odhod ob 15:40 (rumena → Center)` today,
 * `… jutri ob 05:10 …`, `… v ponedeljek ob 05:10 …` within the week, `… 14. 3. ob 05:10 …` later.
 */
export function nextDetail(next: NextDeparture, now: number, timeZone: string): string {
  const today = localDate(now, timeZone);
  const date = localDate(next.t, timeZone);
  const days = daysBetween(today, date);
  let when: string;
  if (days <= 0) when = '';
  else if (days === 1) when = 'jutri ';
  else if (days < 7) when = `${ON_WEEKDAY[new Date(`${date}T12:00:00Z`).getUTCDay()]} `;
  else when = `${Number(date.slice(8, 10))}. ${Number(date.slice(5, 7))}. `;
  return `Naslednji odhod ${when}ob ${clockTime(next.t, timeZone)} (${next.line} → ${next.destination})`;
}

/** `Posodobljeno 14:02`. */
export const updatedAt = (ms: number, timeZone: string): string => `Posodobljeno ${clockTime(ms, timeZone)}`;
