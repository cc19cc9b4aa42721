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

/** Loads a config file; `dataDir` and `mqtt.caFile` are resolved relative to the file. */
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
  return config;
}
