/**
 * Commands from the fleet: answered `received`, then `succeeded`, `failed` or `rejected`.
 * A repeated cmdId is answered with what it got before, never executed twice; an expired command
 * is rejected; an unknown verb is rejected with the verbs this agent knows.
 */
import type { CmdAck, Logger } from '../protocols/index.js';
import { Command, decode } from '../protocols/index.js';
import type { AgentStore } from './store.js';

export type CommandHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

export class CommandRejected extends Error {}

export class Commands {
  readonly #store: AgentStore;
  readonly #log: Logger;
  readonly #handlers = new Map<string, CommandHandler>();
  readonly #now: () => number;

  constructor(store: AgentStore, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
  }

  register(verb: string, handler: CommandHandler): void {
    this.#handlers.set(verb, handler);
  }

  unregister(verb: string): void {
    this.#handlers.delete(verb);
  }

  has(verb: string): boolean {
    return this.#handlers.has(verb);
  }

  verbs(): string[] {
    return [...this.#handlers.keys()];
  }

  /**
   * Handles one `cmd/{verb}` payload; `reply` publishes a cmd-ack (and resolves once the broker has
   * it, so that a `restart` is acknowledged before the process goes away).
   */
  async handle(verb: string, payload: Buffer, reply: (ack: CmdAck) => Promise<void>): Promise<void> {
    const decoded = decode(Command, payload);
    if (!decoded.ok) {
      this.#log.warn('command refused', { verb, reason: decoded.reason });
      return;
    }
    const cmd = decoded.value;
    const ack = (status: CmdAck['status'], extra: Partial<CmdAck> = {}): CmdAck => ({
      v: 1,
      cmdId: cmd.cmdId,
      verb,
      status,
      ts: this.#now(),
      ...extra,
    });
    let seen: ReturnType<AgentStore['commandSeen']>;
    try {
      seen = this.#store.commandSeen(cmd.cmdId, verb, this.#now());
    } catch (err) {
      // Without a record of it, running it could run it twice: answer, do not run.
      this.#log.warn('command not recorded, so not run', { verb, cmdId: cmd.cmdId, error: (err as Error).message });
      await reply(ack('failed', { error: `cannot record the command on the device: ${(err as Error).message}` }));
      return;
    }
    if (seen) {
      this.#log.info('repeated command answered, not executed', { verb, cmdId: cmd.cmdId });
      await reply(seen.outcome ?? ack('received'));
      return;
    }
    const finish = async (outcome: CmdAck) => {
      try {
        this.#store.commandDone(cmd.cmdId, outcome);
      } catch (err) {
        this.#log.warn('command outcome not recorded', { verb, cmdId: cmd.cmdId, error: (err as Error).message });
      }
      await reply(outcome);
    };
    // Expired by the fleet's own clock when it was sent; by ours only for fleets that do not say when.
    const expired = cmd.sentAt !== undefined ? cmd.expiresAt < cmd.sentAt : cmd.expiresAt < this.#now();
    if (expired) return finish(ack('rejected', { error: 'expired before it arrived' }));
    const handler = this.#handlers.get(verb);
    if (!handler) return finish(ack('rejected', { error: `unknown verb ${verb}; this agent knows ${this.verbs().join(', ')}` }));
    await reply(ack('received'));
    try {
      const result = await handler(cmd.args);
      this.#log.info('command done', { verb, cmdId: cmd.cmdId });
      await finish(ack('succeeded', result === undefined ? {} : { result }));
    } catch (err) {
      const rejected = err instanceof CommandRejected;
      this.#log.warn(rejected ? 'command rejected' : 'command failed', { verb, cmdId: cmd.cmdId, error: (err as Error).message });
      await finish(ack(rejected ? 'rejected' : 'failed', { error: (err as Error).message }));
    }
  }
}
