/**
 * How bright a guidance panel's LEDs are at a moment: a fixed day/night schedule in the panel's
 * own time zone (settings `dayFrom`, `nightFrom`, `dayBrightness`, `nightBrightness`). A fixed
 * schedule, not sunrise and sunset: what the city sets is what the panel does, and a technician
 * can read it off the settings. Pure.
 */
import type { PanelSettings } from '../../../protocols/index.js';

export interface ScheduledBrightness {
  period: 'day' | 'night';
  percent: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight of an instant in a time zone (0–1439). */
export function localMinuteOfDay(ms: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  let h = 0;
  let m = 0;
  for (const part of f.formatToParts(ms)) {
    if (part.type === 'hour') h = Number(part.value);
    else if (part.type === 'minute') m = Number(part.value);
  }
  return h * 60 + m;
}

/** `HH:MM` as minutes since midnight. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Day from `dayFrom` up to `nightFrom`, night from `nightFrom` up to the next `dayFrom` (either may
 * be the later in the day). The same time for both: day all day.
 */
export function scheduledBrightness(now: number, s: Pick<PanelSettings, 'timeZone' | 'dayFrom' | 'nightFrom' | 'dayBrightness' | 'nightBrightness'>): ScheduledBrightness {
  const t = localMinuteOfDay(now, s.timeZone);
  const day = minutesOf(s.dayFrom);
  const night = minutesOf(s.nightFrom);
  const isDay = day === night ? true : day < night ? t >= day && t < night : t >= day || t < night;
  return isDay ? { period: 'day', percent: s.dayBrightness } : { period: 'night', percent: s.nightBrightness };
}
