/**
 * Desired settings per device, versioned: each change gets the next version and is published
 * retained on cfg/desired; the device reports the version it applied, or why it refused one.
 * Each version's document is kept in `device_config_history` (the last HISTORY_KEEP per device, and
 * always the one the device reports), so what a device runs can be compared with what it should.
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

/** What the device runs, as far as the fleet knows: the document of the version it reports. */
export interface ReportedSettings {
  /** The settings of the version the device reports it applied; null when unknown (see the note). */
  reportedSettings: Record<string, unknown> | null;
  /** When the fleet set that version, ISO 8601. */
  reportedSetAt: string | null;
  /** Why `reportedSettings` is null; null when it is known. */
  reportedSettingsNote: string | null;
}

export class ConfigInvalid extends Error {}

/** Versions kept per device besides the one it reports applied (which is never dropped). */
export const HISTORY_KEEP = 20;

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
      const now = Date.now();
      const doc = JSON.stringify(parsed.data);
      this.payload(version, parsed.data); // refused here, before it is stored, rather than never sent
      this.#db
        .prepare(
          `INSERT INTO device_config (device_id, desired_version, desired, desired_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET desired_version = excluded.desired_version, desired = excluded.desired, desired_at = excluded.desired_at`,
        )
        .run(deviceId, version, doc, now);
      this.#db
        .prepare('INSERT OR REPLACE INTO device_config_history (device_id, version, settings, set_at) VALUES (?, ?, ?, ?)')
        .run(deviceId, version, doc, now);
      this.#prune(deviceId);
      return { version, settings: parsed.data };
    })();
  }

  /** The cfg/desired payload of a version; throws PayloadTooLarge or PayloadInvalid (see `encode`). */
  payload(version: number, settings: Record<string, unknown>): string {
    return encode(CfgDesired, { v: 1, version, settings }, 'desired config');
  }

  recordReported(deviceId: string, reported: CfgReported): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO device_config (device_id, reported_version, reported_error, reported_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET reported_version = excluded.reported_version, reported_error = excluded.reported_error, reported_at = excluded.reported_at`,
        )
        .run(deviceId, reported.version, reported.rejected ? `v${reported.rejected.version}: ${reported.rejected.error}` : null, reported.ts);
      this.#prune(deviceId); // the version it ran before may be past the bound now
    })();
  }

  /** The settings document of one version, if the fleet still keeps it. */
  settingsOf(deviceId: string, version: number): { settings: Record<string, unknown>; setAt: number } | null {
    const row = this.#db.prepare('SELECT settings, set_at FROM device_config_history WHERE device_id = ? AND version = ?').get(deviceId, version) as
      | { settings: string; set_at: number }
      | undefined;
    return row ? { settings: JSON.parse(row.settings) as Record<string, unknown>, setAt: row.set_at } : null;
  }

  /** The versions whose documents are kept, oldest first. */
  keptVersions(deviceId: string): number[] {
    return this.#db
      .prepare('SELECT version FROM device_config_history WHERE device_id = ? ORDER BY version')
      .pluck()
      .all(deviceId) as number[];
  }

  /** The settings the device runs, from the version it reports; null with the reason when unknown. */
  reported(deviceId: string, record: DeviceConfigRecord = this.get(deviceId)): ReportedSettings {
    const unknown = (note: string): ReportedSettings => ({ reportedSettings: null, reportedSetAt: null, reportedSettingsNote: note });
    const version = record.reportedVersion;
    if (version === null) return unknown('the device has reported no version yet');
    if (version === 0) return unknown('v0: no settings pushed; the agent runs its own file (its settings, else the defaults)');
    const kept = this.settingsOf(deviceId, version);
    if (!kept) return unknown(`v${version}'s settings are not kept (the fleet keeps the last ${HISTORY_KEEP} versions and the one a device reports)`);
    return { reportedSettings: kept.settings, reportedSetAt: new Date(kept.setAt).toISOString(), reportedSettingsNote: null };
  }

  /** Drops the versions before the last HISTORY_KEEP desired ones, except the one the device reports. */
  #prune(deviceId: string): void {
    this.#db
      .prepare(
        `DELETE FROM device_config_history AS h WHERE h.device_id = @id AND EXISTS (
           SELECT 1 FROM device_config c WHERE c.device_id = @id
           AND h.version <= c.desired_version - @keep AND h.version IS NOT c.reported_version)`,
      )
      .run({ id: deviceId, keep: HISTORY_KEEP });
  }
}
