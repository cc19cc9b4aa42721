/**
 * `$TABLA_DATA_DIR/fleet.json`: the fleet's own secrets (admin token, its broker password) and where
 * it listens, written atomically with mode 0600. The CLI reads it to find a local fleet with no setup.
 */
import fs from 'node:fs';
import path from 'node:path';
import { newToken } from './credentials.js';

export interface FleetLocal {
  adminToken: string;
  mqttPassword: string;
  httpUrl?: string;
  mqttUrl?: string;
  pid?: number;
}

export const DEFAULT_DATA_DIR = '.tabla';

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TABLA_DATA_DIR ?? DEFAULT_DATA_DIR);
}

export function localFile(dataDir: string): string {
  return path.join(dataDir, 'fleet.json');
}

export function readLocal(dataDir: string): FleetLocal | null {
  try {
    return JSON.parse(fs.readFileSync(localFile(dataDir), 'utf8')) as FleetLocal;
  } catch {
    return null;
  }
}

/** Reads the secrets, creating them on first start. */
export function loadOrCreateLocal(dataDir: string): FleetLocal {
  const existing = readLocal(dataDir);
  if (existing?.adminToken && existing.mqttPassword) return existing;
  const local: FleetLocal = { adminToken: newToken(), mqttPassword: newToken() };
  writeLocal(dataDir, local);
  return local;
}

export function writeLocal(dataDir: string, local: FleetLocal): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = localFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(local, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}
