/**
 * An Alpha LED sign in software, for the sign driver's tests and the simulated town: it reads packets
 * with the same codec the driver writes them with (protocols/alpha/), keeps a memory configuration
 * and its files, answers ACK/NAK (when its handshake is on) and the reads (B, F `$`, H), and shows
 * what its TEXT file says, STRING files called in (render()).
 *
 * How a real sign behaves, as modelled here:
 * - A packet for another address is ignored; broadcast (`00`) is obeyed but never answered.
 * - A packet with a bad checksum is dropped: NAK with the checksum bit when the handshake is on.
 * - A write to a file the memory configuration does not hold, or past its size, is refused: NAK
 *   with the illegal-label bit (handshake on) or silently dropped (off). A memory configuration
 *   clears every file; the priority TEXT file `0` always exists.
 * - The reads answer with type code `0`, address `00`, the matching write command and the data.
 *
 * Faults to order: reboot() (memory configuration and files lost, as after a power cut), nak(n)
 * (refuse the next n packets), silent (hear nothing, answer nothing), inject(bytes) (line noise
 * towards the host).
 *
 * Two ways to reach it: port() is an in-memory serial port (the driver's `openPort` seam); attach()
 * opens a real serial device, one end of a socat pty pair, and serves it (both
 * hardware/serial/emulated.ts).
 */
import {
  ACK,
  AlphaParser,
  CALL_STRING,
  CR,
  ESC,
  NAK,
  STATUS,
  TYPE_RESPONSE,
  addressOf,
  encodePacket,
  latin1,
  parseBrightness,
  parseMemoryConfig,
  type AlphaCommand,
  type AlphaPacket,
  type MemoryFile,
} from '../../protocols/alpha/index.js';
import { attachSerial, MemoryPort } from '../serial/emulated.js';
import type { SignPortLike } from './link.js';
import { pictureToPng, renderSign, type SignPicture } from './render.js';

export interface SignEmulatorOptions {
  /** Its serial address, 1–255 (default 1). */
  address?: number;
  /** Whether it answers ACK/NAK (default true). */
  acks?: boolean;
  /** Characters a line, lines (default 16 × 2). */
  columns?: number;
  lines?: number;
}

type Sender = (bytes: Uint8Array) => void;

/** The priority TEXT file: always there, 125 bytes (§6.1). */
const PRIORITY = '0';

export class SignEmulator {
  readonly address: string;
  acks: boolean;
  /** Hears nothing and answers nothing while true. */
  silent = false;
  readonly columns: number;
  readonly lines: number;
  readonly #parser = new AlphaParser();
  readonly #senders = new Set<Sender>();
  readonly #changed = new Set<() => void>();
  #memory: MemoryFile[] = [];
  #files = new Map<string, Uint8Array>([[PRIORITY, new Uint8Array()]]);
  #brightness = 0;
  #nakNext = 0;
  /** What it was told, in order: `E$ A1U…`, `G1 text`, `H1`, `F$`, `NAK checksum`, … */
  readonly heard: string[] = [];
  readonly counts = { packets: 0, acks: 0, naks: 0, reboots: 0, ignored: 0 };

  constructor(options: SignEmulatorOptions = {}) {
    this.address = addressOf(options.address ?? 1);
    this.acks = options.acks ?? true;
    this.columns = options.columns ?? 16;
    this.lines = options.lines ?? 2;
  }

  get memory(): MemoryFile[] {
    return this.#memory.map((f) => ({ ...f }));
  }

  get brightness(): number {
    return this.#brightness;
  }

  /** A file's contents as characters (undefined: no such file). */
  file(label: string): string | undefined {
    const f = this.#files.get(label);
    return f ? latin1(f) : undefined;
  }

  parserStats() {
    return this.#parser.stats();
  }

  /** Bytes from the host, in chunks split anywhere. */
  receive(chunk: Uint8Array): void {
    if (this.silent) return;
    for (const event of this.#parser.push(chunk)) {
      if (event.kind === 'packet') this.#packet(event.packet);
      else if (event.kind === 'rejected') {
        this.heard.push(`refused ${event.reason}`);
        if (event.reason === 'checksum') this.#reply(NAK, STATUS.CHECKSUM);
      }
    }
  }

  onSend(send: Sender): () => void {
    this.#senders.add(send);
    return () => void this.#senders.delete(send);
  }

  /** Called after every change of what it shows; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#changed.add(listener);
    return () => void this.#changed.delete(listener);
  }

  /** A power cut: the memory configuration and every file are gone. */
  reboot(): void {
    this.counts.reboots++;
    this.#memory = [];
    this.#files = new Map([[PRIORITY, new Uint8Array()]]);
    this.#parser.cut();
    this.#notify();
  }

  /** Refuses the next `n` packets addressed to it (NAK, the illegal bit set, when its handshake is on). */
  nak(n = 1): void {
    this.#nakNext = n;
  }

  /** Line noise towards the host. */
  inject(bytes: Uint8Array): void {
    this.#send(bytes);
  }

  /** What it shows now: the priority TEXT file when it holds anything, else the first TEXT file that does. */
  picture(): SignPicture {
    return renderSign(this.#shownLines(), this.columns, this.lines);
  }

  render(): { lines: string[]; png: Buffer } {
    const picture = this.picture();
    return { lines: picture.lines, png: pictureToPng(picture) };
  }

  /** An in-memory serial port to the sign (closed; the driver opens it). */
  port(path = '/dev/ttySIGN0'): MemorySignPort {
    return new MemorySignPort(path, this);
  }

  /** Serves the sign on a serial device (one end of a pty pair); resolves once it is open. */
  attach(path: string, settings: { baudRate?: number; dataBits?: 7 | 8; parity?: 'even' | 'odd' | 'none' } = {}): Promise<{ close(): Promise<void> }> {
    return attachSerial(this, path, {
      baudRate: settings.baudRate ?? 9600,
      dataBits: settings.dataBits ?? 7,
      parity: settings.parity ?? 'even',
      closing: () => this.#parser.cut(),
    });
  }

  #shownLines(): string[] {
    const priority = this.#files.get(PRIORITY)!;
    const label = priority.length > 0 ? PRIORITY : this.#memory.find((f) => f.type === 'text' && (this.#files.get(f.label)?.length ?? 0) > 0)?.label;
    if (label === undefined) return [];
    return this.#textLines(this.#files.get(label)!);
  }

  /** TEXT data as lines: page starts (ESC position mode) and colour/font codes skipped, CR a new line, STRING files called in. */
  #textLines(data: Uint8Array): string[] {
    const lines: string[] = [''];
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === ESC) i += 2;
      else if (b === 0x1a || b === 0x1c) i += 1; // font, colour: one specifier byte
      else if (b === CR) lines.push('');
      else if (b === CALL_STRING) {
        const label = String.fromCharCode(data[++i] ?? 0x20);
        const isString = this.#memory.some((f) => f.label === label && f.type === 'string');
        lines[lines.length - 1] += isString ? (this.file(label) ?? '') : '';
      } else if (b >= 0x20 && b <= 0x7e) lines[lines.length - 1] += String.fromCharCode(b);
    }
    return lines;
  }

  #packet(packet: AlphaPacket): void {
    if (packet.typeCode === TYPE_RESPONSE) return this.#ignore(packet);
    const broadcast = packet.address === '00';
    const mine = broadcast || [0, 1].every((i) => packet.address[i] === '?' || packet.address[i] === this.address[i]);
    if (!mine) return this.#ignore(packet);
    this.counts.packets++;
    const answer = !broadcast;
    if (this.#nakNext > 0) {
      this.#nakNext--;
      this.heard.push('NAK ordered');
      if (answer) this.#reply(NAK, STATUS.ILLEGAL);
      return;
    }
    let ok = true;
    for (const command of packet.commands) ok = this.#command(command, answer) && ok;
    const writes = packet.commands.some((c) => c.code === 'A' || c.code === 'E' || c.code === 'G');
    if (answer && writes) this.#reply(ok ? ACK : NAK, ok ? 0 : STATUS.ILLEGAL);
    if (writes && ok) this.#notify();
  }

  #ignore(packet: AlphaPacket): void {
    this.counts.ignored++;
    this.heard.push(`ignored ${packet.typeCode}${packet.address}`);
  }

  /** Runs one command; false when it is refused. Reads answer here; writes are answered by the caller. */
  #command(command: AlphaCommand, answer: boolean): boolean {
    const { code, data } = command;
    const text = latin1(data);
    this.heard.push(`${code}${text}`);
    const label = text[0] ?? '';
    switch (code) {
      case 'E': {
        if (label === '$') {
          const parsed = parseMemoryConfig(data);
          if ('error' in parsed) return false;
          this.#memory = parsed.files;
          this.#files = new Map([[PRIORITY, new Uint8Array()], ...parsed.files.map((f) => [f.label, new Uint8Array()] as [string, Uint8Array])]);
          return true;
        }
        if (label === '/') {
          const level = parseBrightness(data);
          if (level === null) return false;
          this.#brightness = level;
          return true;
        }
        return true; // other special functions: taken, not modelled
      }
      case 'A':
      case 'G': {
        const type = code === 'A' ? 'text' : 'string';
        const body = data.subarray(1);
        const file = label === PRIORITY && type === 'text' ? { size: 125 } : this.#memory.find((f) => f.label === label && f.type === type);
        if (!file || body.length > file.size) return false;
        this.#files.set(label, Uint8Array.from(body));
        return true;
      }
      case 'F':
        if (label === '$' && answer) this.#respond({ code: 'E', data: Uint8Array.from(Buffer.from('$' + this.#memory.map(entry).join(''), 'latin1')) });
        return true;
      case 'B':
      case 'H': {
        const type = code === 'B' ? 'text' : 'string';
        const held = (label === PRIORITY && type === 'text') || this.#memory.some((f) => f.label === label && f.type === type);
        if (!answer) return true;
        if (!held) {
          this.#reply(NAK, STATUS.ILLEGAL);
          return false;
        }
        this.#respond({ code: code === 'B' ? 'A' : 'G', data: Uint8Array.from([label.charCodeAt(0), ...(this.#files.get(label) ?? [])]) });
        return true;
      }
      default:
        return false;
    }
  }

  #respond(command: AlphaCommand): void {
    this.#send(encodePacket({ typeCode: TYPE_RESPONSE, address: '00', commands: [command] }));
  }

  #reply(byte: number, status: number): void {
    if (!this.acks) return;
    this.counts[byte === ACK ? 'acks' : 'naks']++;
    this.#send(Uint8Array.of(byte, STATUS.ALWAYS | status));
  }

  #send(bytes: Uint8Array): void {
    for (const send of this.#senders) send(bytes);
  }

  #notify(): void {
    for (const listener of this.#changed) {
      try {
        listener();
      } catch {
        // a listener's fault is its own
      }
    }
  }
}

const entry = (f: MemoryFile) => f.label + (f.type === 'text' ? 'A' : 'B') + (f.locked ? 'L' : 'U') + f.size.toString(16).toUpperCase().padStart(4, '0') + (f.type === 'text' ? 'FF00' : '0000');

/** An in-memory serial port to an emulated sign: data a turn of the event loop later, as over a wire. */
export class MemorySignPort extends MemoryPort implements SignPortLike {
  constructor(path: string, sign: SignEmulator) {
    super(path, sign, { dataLater: true, closeLater: true, errorOnClosedWrite: false });
  }
}
