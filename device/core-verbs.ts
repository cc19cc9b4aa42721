/**
 * The verbs every agent answers, whatever its role (protocols/verbs.ts CORE_VERBS lists them for
 * the fleet): ping, identify, rebirth, restart, set-log-level. The agent gives the hooks; modules
 * add their own verbs through their context.
 */
import type { Logger } from '../protocols/index.js';
import { LogLevel } from '../protocols/index.js';
import { CommandRejected, type Commands } from './commands.js';

export interface CoreVerbHooks {
  deviceId: string;
  log: Logger;
  /** What `ping` answers (the outbox depth, the session epoch). */
  ping(): Record<string, unknown>;
  /** Every module's identify and the agent's own. */
  identify(): Promise<void>;
  /** Announces the session again (birth and a heartbeat); the epoch. */
  rebirth(): { epoch: number };
  /** Marks a restart for after the acknowledgement; null when no supervisor would start the agent again. */
  restart: (() => void) | null;
}

export function registerCoreVerbs(commands: Commands, h: CoreVerbHooks): void {
  commands.register('ping', () => ({ pong: Date.now(), ...h.ping() }));
  commands.register('identify', async () => {
    h.log.warn('IDENTIFY: this is ' + h.deviceId);
    await h.identify();
    return { deviceId: h.deviceId };
  });
  commands.register('rebirth', () => h.rebirth());
  commands.register('restart', () => {
    if (!h.restart) throw new CommandRejected('this agent runs without a supervisor to restart it');
    h.restart();
    return { restarting: true };
  });
  commands.register('set-log-level', (args) => {
    const level = LogLevel.safeParse(args.level);
    if (!level.success) throw new CommandRejected(`args.level must be one of ${LogLevel.options.join(', ')}`);
    const previous = h.log.level;
    h.log.level = level.data;
    return { level: level.data, previous };
  });
}
