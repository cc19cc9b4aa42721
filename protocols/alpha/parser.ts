/**
 * A streaming reader of Alpha protocol bytes (either direction of the line): transmission packets,
 * and the ACK / NAK bytes a sign answers with when its ACK/NAK handshake is on. Chunks may split
 * anything anywhere. Pure: it turns bytes into events and keeps counts.
 *
 * Resync: outside a packet everything but NUL (the sync bytes), SOH, ACK and NAK is noise, counted
 * and skipped. A packet that goes wrong is refused with a reason, counted, and reading starts again
 * at the next SOH (an SOH inside a packet starts a new one: the old one was cut short). Reasons:
 *
 *   header     type code not printable, address not two hex digits (or `?`), no STX after them
 *   command    a command code that is not a printable character
 *   checksum   the four digits after ETX are not hex, or not the sum (§5.1.1)
 *   trailer    after a command's checksum neither STX (a nested command) nor EOT
 *   truncated  a new packet (SOH, NUL) began before this one ended
 *   overlong   more data than `maxData` in one command
 *   cut        the link went away mid-packet (cut())
 *
 * A sign may follow ACK / NAK with its Serial Error Status Register (a byte with bit 6 set, §7.13;
 * bit 5: illegal command or file label, bit 4: checksum error, …); it comes as a `status` event.
 */
import { ACK, EOT, ETX, NAK, NUL, SOH, STX, sum16, type AlphaCommand, type AlphaPacket } from './frame.js';

export type AlphaRejectReason = 'header' | 'command' | 'checksum' | 'trailer' | 'truncated' | 'overlong' | 'cut';

export type AlphaEvent =
  | { kind: 'packet'; packet: AlphaPacket; /** per command: whether it carried a checksum */ checked: boolean[] }
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'status'; of: 'ack' | 'nak'; status: number }
  | { kind: 'rejected'; reason: AlphaRejectReason; detail: string };

export interface AlphaParserStats {
  packets: number;
  acks: number;
  naks: number;
  /** Bytes outside any packet that were neither sync, SOH, ACK nor NAK. */
  noiseBytes: number;
  rejected: Partial<Record<AlphaRejectReason, number>>;
}

/** Serial Error Status Register bits (sent after ACK / NAK). */
export const STATUS = { ALWAYS: 0x40, ILLEGAL: 0x20, CHECKSUM: 0x10, OVERFLOW: 0x08, TIMEOUT: 0x04, FRAMING: 0x02, PARITY: 0x01 } as const;

type State = 'idle' | 'header' | 'stx' | 'code' | 'data' | 'sum' | 'trailer';

const HEX = /^[0-9A-Fa-f]{4}$/;
const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || b === 0x3f; // 0-9 A-F ?
const printable = (b: number) => b >= 0x20 && b <= 0x7e;

export interface AlphaParserOptions {
  /** Longest data of one command, bytes (default 8192: more than any sign's memory holds for one file). */
  maxData?: number;
}

export class AlphaParser {
  readonly #maxData: number;
  #state: State = 'idle';
  #header: number[] = [];
  #commands: AlphaCommand[] = [];
  #checked: boolean[] = [];
  #code = 0;
  #data: number[] = [];
  #sum: number[] = [];
  /** ACK or NAK just read: a status byte may follow. */
  #after: 'ack' | 'nak' | null = null;
  readonly #stats: AlphaParserStats = { packets: 0, acks: 0, naks: 0, noiseBytes: 0, rejected: {} };

  constructor(options: AlphaParserOptions = {}) {
    this.#maxData = options.maxData ?? 8192;
  }

  /** Whether a packet is half read. */
  get inPacket(): boolean {
    return this.#state !== 'idle';
  }

  /** The events in `chunk`, in order. */
  push(chunk: Uint8Array): AlphaEvent[] {
    const events: AlphaEvent[] = [];
    for (const b of chunk) this.#byte(b, events);
    return events;
  }

  /** The link went away: a packet half read is refused (`cut`). */
  cut(): AlphaEvent[] {
    const events: AlphaEvent[] = [];
    this.#after = null;
    if (this.#state !== 'idle') this.#reject(events, 'cut', 'the link went away mid-packet');
    return events;
  }

  stats(): AlphaParserStats {
    return { ...this.#stats, rejected: { ...this.#stats.rejected } };
  }

  #byte(b: number, events: AlphaEvent[]): void {
    if (this.#after) {
      const of = this.#after;
      this.#after = null;
      if (this.#state === 'idle' && b >= 0x40 && b <= 0x7f) {
        events.push({ kind: 'status', of, status: b });
        return;
      }
    }
    switch (this.#state) {
      case 'idle':
        if (b === SOH) this.#begin();
        else if (b === ACK || b === NAK) {
          const kind = b === ACK ? 'ack' : 'nak';
          this.#stats[kind === 'ack' ? 'acks' : 'naks']++;
          this.#after = kind;
          events.push({ kind });
        } else if (b !== NUL) this.#stats.noiseBytes++;
        return;
      case 'header':
        if (this.#restart(b, events)) return;
        this.#header.push(b);
        if (this.#header.length === 1 && !printable(b)) return this.#reject(events, 'header', `type code 0x${hex2(b)} is not printable`);
        if (this.#header.length > 1 && !isHex(b)) return this.#reject(events, 'header', `address byte 0x${hex2(b)} is not a hex digit`);
        if (this.#header.length === 3) this.#state = 'stx';
        return;
      case 'stx':
        if (this.#restart(b, events)) return;
        if (b !== STX) return this.#reject(events, 'header', `0x${hex2(b)} where STX should follow the address`);
        this.#state = 'code';
        return;
      case 'code':
        if (this.#restart(b, events)) return;
        if (!printable(b)) return this.#reject(events, 'command', `command code 0x${hex2(b)} is not printable`);
        this.#code = b;
        this.#data = [];
        this.#state = 'data';
        return;
      case 'data':
        if (this.#restart(b, events)) return;
        if (b === ETX) {
          this.#sum = [];
          this.#state = 'sum';
        } else if (b === EOT) {
          this.#endCommand(false);
          this.#finish(events);
        } else if (b === STX) {
          this.#endCommand(false);
          this.#state = 'code';
        } else {
          if (this.#data.length >= this.#maxData) return this.#reject(events, 'overlong', `more than ${this.#maxData} data bytes in command ${String.fromCharCode(this.#code)}`);
          this.#data.push(b);
        }
        return;
      case 'sum': {
        if (this.#restart(b, events)) return;
        this.#sum.push(b);
        if (this.#sum.length < 4) return;
        const field = String.fromCharCode(...this.#sum);
        if (!HEX.test(field)) return this.#reject(events, 'checksum', `checksum field ${JSON.stringify(field)} is not four hex digits`);
        const want = (STX + this.#code + sum16(Uint8Array.from(this.#data)) + ETX) & 0xffff;
        if (parseInt(field, 16) !== want) {
          return this.#reject(events, 'checksum', `command ${String.fromCharCode(this.#code)}: checksum ${field}, the bytes sum to ${want.toString(16).toUpperCase().padStart(4, '0')}`);
        }
        this.#endCommand(true);
        this.#state = 'trailer';
        return;
      }
      case 'trailer':
        if (b === EOT) this.#finish(events);
        else if (b === STX) this.#state = 'code';
        else if (b === SOH) {
          // Tolerated: some senders leave the EOT out between packets.
          this.#finish(events);
          this.#begin();
        } else this.#reject(events, 'trailer', `0x${hex2(b)} after a checksum, where EOT or STX belongs`);
        return;
    }
  }

  /** SOH or NUL inside a packet: the packet was cut short; an SOH begins the next one. */
  #restart(b: number, events: AlphaEvent[]): boolean {
    if (b !== SOH && b !== NUL) return false;
    this.#reject(events, 'truncated', `${b === SOH ? 'SOH' : 'NUL'} before the packet ended`);
    if (b === SOH) this.#begin();
    return true;
  }

  #begin(): void {
    this.#state = 'header';
    this.#header = [];
    this.#commands = [];
    this.#checked = [];
  }

  #endCommand(checked: boolean): void {
    this.#commands.push({ code: String.fromCharCode(this.#code), data: Uint8Array.from(this.#data) });
    this.#checked.push(checked);
    this.#data = [];
  }

  #finish(events: AlphaEvent[]): void {
    const [type, a, b] = this.#header;
    this.#stats.packets++;
    events.push({
      kind: 'packet',
      packet: { typeCode: String.fromCharCode(type!), address: String.fromCharCode(a!, b!).toUpperCase(), commands: this.#commands },
      checked: this.#checked,
    });
    this.#state = 'idle';
    this.#commands = [];
  }

  #reject(events: AlphaEvent[], reason: AlphaRejectReason, detail: string): void {
    this.#stats.rejected[reason] = (this.#stats.rejected[reason] ?? 0) + 1;
    events.push({ kind: 'rejected', reason, detail });
    this.#state = 'idle';
    this.#commands = [];
    this.#data = [];
  }
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');
