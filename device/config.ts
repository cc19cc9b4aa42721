/**
 * Reads and validates the agent's config file. Every error names the file and the field, so a
 * technician on a ladder knows what to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../protocols/index.js';
import { AgentConfig as AgentConfigSchema } from '../protocols/index.js';

export class ConfigError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function parseAgentConfig(json: unknown, file = '<config>'): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(file, `invalid config\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Loads a config file; `dataDir` and `mqtt.caFile` are resolved relative to the file. The paths are
 * checked here, not at first use: a CA file the agent cannot read, or a data directory it cannot
 * write, is the technician's to fix (exit 2), not a crash for systemd to restart every 2 s.
 */
export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const config = parseAgentConfig(json, file);
  const dir = path.dirname(path.resolve(file));
  config.dataDir = path.resolve(dir, config.dataDir);
  if (config.mqtt.caFile) config.mqtt.caFile = path.resolve(dir, config.mqtt.caFile);
  if (config.hardware.gnss?.kind === 'replay') config.hardware.gnss.file = path.resolve(dir, config.hardware.gnss.file);
  if (config.hardware.doors?.kind === 'simulated' && config.hardware.doors.visits) config.hardware.doors.visits = path.resolve(dir, config.hardware.doors.visits);
  if (config.hardware.epaper?.kind === 'simulated' && config.hardware.epaper.png) config.hardware.epaper.png = path.resolve(dir, config.hardware.epaper.png);
  if (config.hardware.sign?.kind === 'simulated' && config.hardware.sign.png) config.hardware.sign.png = path.resolve(dir, config.hardware.sign.png);
  if (config.hardware.button?.kind === 'simulated' && config.hardware.button.presses) config.hardware.button.presses = path.resolve(dir, config.hardware.button.presses);
  if (config.hardware.audio?.kind === 'wav') config.hardware.audio.file = path.resolve(dir, config.hardware.audio.file);
  const caProblem = config.mqtt.caFile ? unreadableFile(config.mqtt.caFile) : null;
  if (caProblem) throw new ConfigError(file, `invalid config mqtt.caFile: ${caProblem}`);
  const dirProblem = unwritableDirectory(config.dataDir);
  if (dirProblem) throw new ConfigError(file, `invalid config dataDir: ${dirProblem}`);
  return config;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Why `file` cannot be read as a file, or null if it can (opened for real, as the link will at connect time). */
function unreadableFile(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    return `cannot read ${file} (${errorCode(err)})`;
  }
  try {
    return fs.fstatSync(fd).isFile() ? null : `${file} is not a file`;
  } finally {
    fs.closeSync(fd);
  }
}

/** Why `dir` cannot hold the agent's state, or null if it can; creates it when missing. */
function unwritableDirectory(dir: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') return `cannot use ${dir} (${errorCode(err)})`;
    try {
      fs.mkdirSync(dir, { recursive: true });
      stat = fs.statSync(dir);
    } catch (err2) {
      return `cannot create ${dir} (${errorCode(err2)})`;
    }
  }
  if (!stat.isDirectory()) return stat.isFile() ? `${dir} is a file, not a directory` : `${dir} is not a directory`;
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    return `${dir} is not writable by this process (${errorCode(err)})`;
  }
  return null;
}
