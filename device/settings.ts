/**
 * The settings in force and their version: those of the config file until the fleet sends a
 * desired config (cfg/desired), then the last one applied, kept in SQLite across restarts.
 * A desired config is validated (DeviceSettings, each module's section included, then the running
 * modules' own schemas), stored and taken as one step: if any part fails, none of it applies, the
 * old settings stay, and the reason names the field (`modules.board-watch.maxTemperatureC: …`).
 */
import type { CfgDesired, DeviceSettings, Logger } from '../protocols/index.js';
import { DeviceSettings as DeviceSettingsSchema, formatIssues } from '../protocols/index.js';
import type { AgentStore } from './store.js';

export type DesiredOutcome =
  /** Already in force: nothing to do but report it again. */
  | { kind: 'unchanged' }
  | { kind: 'rejected'; error: string }
  | { kind: 'applied'; previous: DeviceSettings; settings: DeviceSettings };

export class AppliedSettings {
  readonly #store: AgentStore;
  readonly #log: Logger;
  #settings: DeviceSettings;
  #version: number;

  constructor(store: AgentStore, fromFile: DeviceSettings, log: Logger) {
    this.#store = store;
    this.#log = log;
    this.#settings = fromFile;
    this.#version = 0;
    const applied = store.appliedSettings();
    if (!applied) return;
    // Stored by this agent or an older one (without newer fields, or with what a newer schema refuses).
    const parsed = DeviceSettingsSchema.safeParse(applied.settings);
    if (parsed.success) {
      this.#settings = parsed.data;
      this.#version = applied.version;
    } else {
      log.warn('the stored desired config no longer validates: running on the config file until the fleet sends it again', {
        version: applied.version,
        error: formatIssues(parsed.error),
      });
    }
  }

  get current(): DeviceSettings {
    return this.#settings;
  }

  get version(): number {
    return this.#version;
  }

  /**
   * Validates, stores and takes `desired`. `check` adds what only the running agent knows (its
   * modules' own schemas) and returns a reason, or null.
   */
  take(desired: CfgDesired, check: (settings: DeviceSettings) => string | null = () => null): DesiredOutcome {
    if (desired.version === this.#version) return { kind: 'unchanged' };
    const parsed = DeviceSettingsSchema.safeParse(desired.settings);
    const error = parsed.success ? check(parsed.data) : formatIssues(parsed.error);
    if (error !== null || !parsed.success) {
      this.#log.warn('desired config rejected', { version: desired.version, error });
      return { kind: 'rejected', error: error ?? 'invalid' };
    }
    try {
      this.#store.saveSettings(desired.version, parsed.data);
    } catch (err) {
      // Not stored, so not applied (a restart would lose it): the fleet sees why and resends on the next birth.
      const why = `cannot store it: ${(err as Error).message}`;
      this.#log.warn('desired config not applied', { version: desired.version, error: why });
      return { kind: 'rejected', error: why };
    }
    const previous = this.#settings;
    this.#settings = parsed.data;
    this.#version = desired.version;
    this.#log.info('desired config applied', { version: desired.version });
    return { kind: 'applied', previous, settings: parsed.data };
  }
}
