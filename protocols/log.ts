/**
 * One log line format for every Tabla process: `2026-11-27T05:10:00.000Z info  link: connected epoch=4`.
 * The sink is injected (stderr by default), so tests can read what a process logged.
 */
/** Log levels, most severe first: a logger at one level writes it and every level before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  level: Level;
}

export function createLogger(
  scope: string,
  options: { level?: Level; sink?: (line: string) => void; root?: { level: Level } } = {},
): Logger {
  const root = options.root ?? { level: options.level ?? 'info' };
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) > LOG_LEVELS.indexOf(root.level)) return;
    let line = `${new Date().toISOString()} ${level.padEnd(5)} ${scope}: ${msg}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${JSON.stringify(v) ?? 'undefined'}`;
    sink(line);
  };
  return {
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
    child: (s) => createLogger(`${scope}/${s}`, { sink, root }),
    get level() {
      return root.level;
    },
    set level(l: Level) {
      root.level = l;
    },
  };
}
