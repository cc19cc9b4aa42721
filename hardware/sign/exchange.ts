/**
 * One exchange at a time on a sign's line: a write that waits for ACK/NAK (while the sign is known,
 * or not yet known, to send them), and a read that waits for the response matching it, each bounded
 * by its timeout. It also learns, with `handshake: 'auto'`, whether the sign answers ACK/NAK: an
 * ACK or NAK says it does; alpha.ts says when a read-back confirmed a write that got none.
 */
import { encodePacket, type AlphaCommand, type AlphaEvent } from '../../protocols/alpha/index.js';
import type { Logger } from '../../protocols/index.js';
import type { SignLink } from './link.js';
import { SignFault } from './sign.js';

export type Answer = 'ack' | 'nak' | 'timeout';
export type ReadAnswer = AlphaCommand | 'nak' | 'timeout';

interface Waiter {
  kind: 'ack' | 'read';
  match?: (c: AlphaCommand) => boolean;
  resolve(answer: Answer | AlphaCommand): void;
}

export interface ExchangeOptions {
  typeCode: string;
  address: string;
  handshake: 'auto' | 'ack' | 'readback';
  ackTimeoutMs: number;
  responseTimeoutMs: number;
  log?: Logger | undefined;
}

export class SignExchange {
  readonly #o: ExchangeOptions;
  readonly #link: SignLink;
  #waiter: Waiter | null = null;
  /** Whether the sign answers ACK/NAK (null: not known yet). */
  acks: boolean | null;
  readonly counts = { packetsSent: 0, acks: 0, naks: 0, timeouts: 0 };

  constructor(link: SignLink, options: ExchangeOptions) {
    this.#link = link;
    this.#o = options;
    this.acks = options.handshake === 'ack' ? true : options.handshake === 'readback' ? false : null;
  }

  /** A write that got no ACK was confirmed by reading it back: the sign does not send them. */
  noAcksSeen(): void {
    if (this.#o.handshake !== 'auto' || this.acks === false) return;
    this.acks = false;
    this.#o.log?.info('the sign does not answer ACK/NAK: confirming writes by reading them back');
  }

  /** Writes a command; with ACKs on (or not known yet), waits for ACK/NAK. 'timeout' also when none is waited for. */
  async write(command: AlphaCommand): Promise<Answer> {
    const answer = this.acks !== false ? this.#expect({ kind: 'ack' }, this.#o.ackTimeoutMs) : null;
    await this.#send(command);
    return answer ? ((await answer) as Answer) : 'timeout';
  }

  /** Sends a read and waits for the response command that `match`es it (or a NAK). */
  async read(command: AlphaCommand, match: (c: AlphaCommand) => boolean): Promise<ReadAnswer> {
    const answer = this.#expect({ kind: 'read', match }, this.#o.responseTimeoutMs);
    await this.#send(command);
    return (await answer) as ReadAnswer;
  }

  /** Ends the exchange waiting now, as a timeout (the port went away, the driver stops). */
  abandon(): void {
    this.#answer('timeout');
  }

  /** What the link read from the sign. */
  event(event: AlphaEvent): void {
    switch (event.kind) {
      case 'ack':
      case 'nak':
        this.counts[event.kind === 'ack' ? 'acks' : 'naks']++;
        if (this.#o.handshake === 'auto' && this.acks !== true) {
          this.acks = true;
          this.#o.log?.info('the sign answers ACK/NAK');
        }
        if (this.#waiter && (this.#waiter.kind === 'ack' || event.kind === 'nak')) this.#answer(event.kind);
        return;
      case 'status':
        this.#o.log?.debug('sign status register', { after: event.of, status: `0x${event.status.toString(16)}` });
        return;
      case 'packet': {
        const w = this.#waiter;
        if (w?.kind !== 'read') return;
        const hit = event.packet.commands.find((c) => w.match?.(c));
        if (hit) this.#answer(hit);
        return;
      }
      case 'rejected':
        this.#o.log?.debug('refused bytes from the sign', { reason: event.reason, detail: event.detail });
        return;
    }
  }

  async #send(command: AlphaCommand): Promise<void> {
    const bytes = encodePacket({ typeCode: this.#o.typeCode, address: this.#o.address, commands: [command] });
    try {
      await this.#link.write(bytes);
      this.counts.packetsSent++;
    } catch (err) {
      this.#answer('timeout');
      throw new SignFault('disconnected', `writing to the sign: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  #expect(waiter: Omit<Waiter, 'resolve'>, timeoutMs: number): Promise<Answer | AlphaCommand> {
    this.#answer('timeout'); // one exchange at a time: a stale waiter ends here
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.#waiter !== w) return;
        this.#waiter = null;
        this.counts.timeouts++;
        resolve('timeout');
      }, timeoutMs);
      const w: Waiter = {
        ...waiter,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      };
      this.#waiter = w;
    });
  }

  #answer(answer: Answer | AlphaCommand): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.resolve(answer);
  }
}
