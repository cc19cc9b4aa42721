/**
 * board-watch (every role): reads the board's health every `intervalS` and is `degraded`, with the
 * reason, while the SoC runs hotter than `maxTemperatureC` or the data directory's disk has less
 * than `minFreeBytes` free. The verb `board-status` returns the last reading and what was wrong.
 */
import type { BoardWatchSettings, Health } from '../../../protocols/index.js';
import { MODULE_SETTINGS } from '../../../protocols/index.js';
import type { AgentContext, AgentModule } from '../../module.js';

export interface BoardReading {
  /** When it was read, ms since the Unix epoch. */
  at: number;
  health: Health;
  /** Empty when all is well. */
  problems: string[];
}

const MB = 1024 * 1024;

/** What is wrong with a reading, by the thresholds (pure). */
export function boardProblems(health: Health, settings: BoardWatchSettings): string[] {
  const problems: string[] = [];
  if (health.temperatureC !== undefined && health.temperatureC > settings.maxTemperatureC) {
    problems.push(`temperature ${health.temperatureC} °C above ${settings.maxTemperatureC} °C`);
  }
  if (health.diskFreeBytes !== undefined && health.diskFreeBytes < settings.minFreeBytes) {
    problems.push(`free disk ${(health.diskFreeBytes / MB).toFixed(1)} MiB below ${(settings.minFreeBytes / MB).toFixed(1)} MiB`);
  }
  return problems;
}

export function boardWatch(): AgentModule<BoardWatchSettings> & { last(): BoardReading | null } {
  let ctx: AgentContext<BoardWatchSettings> | null = null;
  let cancel: (() => void) | null = null;
  let interval = 0;
  let last: BoardReading | null = null;

  const read = () => {
    if (!ctx) return;
    const health = ctx.drivers.board.health();
    const problems = boardProblems(health, ctx.settings());
    if (problems.length && last?.problems.join() !== problems.join()) ctx.log.warn('board trouble', { problems });
    last = { at: Date.now(), health, problems };
    ctx.setStatus(problems.length ? 'degraded' : 'ok', problems.length ? problems.join('; ') : undefined);
  };

  const schedule = () => {
    if (!ctx || interval === ctx.settings().intervalS) return;
    cancel?.();
    interval = ctx.settings().intervalS;
    cancel = ctx.every(interval * 1000, read);
  };

  return {
    name: 'board-watch',
    settings: MODULE_SETTINGS['board-watch'],
    start(c) {
      ctx = c;
      interval = 0;
      c.commands.register('board-status', () => last ?? { problems: ['not read yet'] });
      read();
      schedule();
    },
    stop() {
      cancel?.();
      cancel = null;
      ctx = null;
    },
    onSettings() {
      read(); // new thresholds judged at once
      schedule();
    },
    last: () => last,
  };
}
