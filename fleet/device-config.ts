/**
 * Desired settings per device, versioned: each change gets the next version and is published
 * retained on cfg/desired; the device reports the version it applied, or why it refused one.
 */
import type Database from 'better-sqlite3';
import type { CfgReported, DeviceSettings } from '../protocols/index.js';
import { CfgDesired, DeviceSettings as DeviceSettingsSchema, encode, formatIssues } from '../protocols/index.js';

export interface DeviceConfigRecord {
  desiredVersion: number;
  desired: Record<string, unknown> | null;
  desiredAt: number | null;
  reportedVersion: number | null;
  reportedError: string | null;
  reportedAt: number | null;
}

export class ConfigInvalid extends Error {}


export class DeviceConfigs {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get(deviceId: string): DeviceConfigRecord {
    const row = this.#db.prepare('SELECT * FROM device_config WHERE device_id = ?').get(deviceId) as
      | { desired_version: number; desired: string | null; desired_at: number | null; reported_version: number | null; reported_error: string | null; reported_at: number | null }
      | undefined;
    return {
      desiredVersion: row?.desired_version ?? 0,
      desired: row?.desired ? (JSON.parse(row.desired) as Record<string, unknown>) : null,
      desiredAt: row?.desired_at ?? null,
      reportedVersion: row?.reported_version ?? null,
      reportedError: row?.reported_error ?? null,
      reportedAt: row?.reported_at ?? null,
    };
  }

  /** Validates and stores new desired settings; returns the new version. */
  setDesired(deviceId: string, settings: unknown): { version: number; settings: DeviceSettings } {
    const parsed = DeviceSettingsSchema.safeParse(settings);
    if (!parsed.success) throw new ConfigInvalid(formatIssues(parsed.error));
    return this.#db.transaction(() => {
      const version = this.get(deviceId).desiredVersion + 1;
      this.payload(version, parsed.data); // refused here, before it is stored, rather than never sent
      this.#db
        .prepare(
          `INSERT INTO device_config (device_id, desired_version, desired, desired_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET desired_version = excluded.desired_version, desired = excluded.desired, desired_at = excluded.desired_at`,
        )
        .run(deviceId, version, JSON.stringify(parsed.data), Date.now());
      return { version, settings: parsed.data };
    })();
  }

  /** The cfg/desired payload of a version; throws PayloadTooLarge or PayloadInvalid (see `encode`). */
  payload(version: number, settings: Record<string, unknown>): string {
    return encode(CfgDesired, { v: 1, version, settings }, 'desired config');
  }

  recordReported(deviceId: string, reported: CfgReported): void {
    this.#db
      .prepare(
        `INSERT INTO device_config (device_id, reported_version, reported_error, reported_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET reported_version = excluded.reported_version, reported_error = excluded.reported_error, reported_at = excluded.reported_at`,
      )
      .run(deviceId, reported.version, reported.rejected ? `v${reported.rejected.version}: ${reported.rejected.error}` : null, reported.ts);
  }
}
