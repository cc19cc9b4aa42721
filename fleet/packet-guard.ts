/**
 * The broker's bound on memory, before MQTT parsing: reads the fixed header of every packet a
 * client sends (MQTT 3.1.1 §2.2) as the bytes arrive, in chunks split anywhere, skips each body by
 * count, and refuses a connection as soon as a header claims more than the limits allow. The MQTT
 * parser behind it buffers a packet until it is complete, with no bound of its own, so a claim is
 * judged here, before any of its body is kept. Pure: bytes in, a verdict out; no I/O.
 */
import { MAX_PAYLOAD_BYTES } from '../protocols/index.js';

/** CONNECT's control packet type (MQTT 3.1.1 §2.2.1, Table 2.1). */
export const CONNECT = 1;

export interface PacketLimits {
  /** Largest packet, fixed header included, once the client is authenticated. */
  maxPacketBytes: number;
  /** Largest first packet (the CONNECT). */
  maxFirstPacketBytes: number;
  /** Most bytes a client may send before its authentication succeeds. */
  maxPreAuthBytes: number;
}

export const PACKET_LIMITS: Readonly<PacketLimits> = {
  // The largest payload plus room for the topic (≤ 64 KiB by the spec, far less in Tabla's tree),
  // the packet id and the fixed header.
  maxPacketBytes: MAX_PAYLOAD_BYTES + 4 * 1024,
  // A device's CONNECT carries its id, credentials and a ~150-byte will.
  maxFirstPacketBytes: 16 * 1024,
  maxPreAuthBytes: 64 * 1024,
};

export type RefusalKind = 'oversize' | 'preauth' | 'malformed';

export interface Refusal {
  kind: RefusalKind;
  reason: string;
}

export interface FixedHeader {
  /** Control packet type, 1 (CONNECT) to 14 (DISCONNECT). */
  type: number;
  remainingLength: number;
  /** Bytes of the fixed header: 1 + the Remaining Length field's 1 to 4. */
  headerBytes: number;
  /** Offset of the packet's first byte in the connection's stream. */
  start: number;
}

/**
 * Finds the fixed headers in a byte stream fed in chunks of any size. For each complete header it
 * asks `judge`, which may refuse; a refusal (or a malformed header) is final: the scanner reports
 * it again for every later chunk and reads nothing more.
 */
export class FixedHeaderScanner {
  readonly #judge: (header: FixedHeader) => Refusal | null;
  #refusal: Refusal | null = null;
  /** Stream offset of the current chunk's first byte. */
  #offset = 0;
  /** Body bytes of the current packet still to skip. */
  #bodyLeft = 0;
  /** Inside a header: its type byte has been read, its length is not complete. */
  #inHeader = false;
  #type = 0;
  #start = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;

  constructor(judge: (header: FixedHeader) => Refusal | null) {
    this.#judge = judge;
  }

  get refusal(): Refusal | null {
    return this.#refusal;
  }

  /** Bytes scanned so far. */
  get offset(): number {
    return this.#offset;
  }

  scan(chunk: Uint8Array): Refusal | null {
    if (this.#refusal) return this.#refusal;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#bodyLeft > 0) {
        const skip = Math.min(this.#bodyLeft, n - i);
        this.#bodyLeft -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i]!;
      if (!this.#inHeader) {
        this.#inHeader = true;
        this.#type = byte >> 4;
        this.#start = this.#offset + i;
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        i++;
        continue;
      }
      // Remaining Length (MQTT 3.1.1 §2.2.3): base-128 digits, least significant first, 7 bits
      // each; the top bit says another follows. At most four bytes (max 268,435,455): a fourth
      // byte with the continuation bit set is "Malformed Remaining Length".
      i++;
      this.#lengthBytes++;
      this.#length += (byte & 0x7f) * this.#multiplier;
      if (byte & 0x80) {
        if (this.#lengthBytes === 4) return this.#refuse({ kind: 'malformed', reason: 'malformed remaining length: more than 4 bytes' });
        this.#multiplier *= 128;
        continue;
      }
      this.#inHeader = false;
      const refusal = this.#judge({ type: this.#type, remainingLength: this.#length, headerBytes: 1 + this.#lengthBytes, start: this.#start });
      if (refusal) return this.#refuse(refusal);
      this.#bodyLeft = this.#length;
    }
    this.#offset += n;
    return null;
  }

  #refuse(refusal: Refusal): Refusal {
    this.#refusal = refusal;
    return refusal;
  }
}

/**
 * One client connection's limits: the first packet must be a small CONNECT, nothing but a small
 * budget may arrive before authentication succeeds, and no packet may exceed the largest payload
 * plus its envelope — for every account, the fleet's own included.
 */
export class PacketGuard {
  readonly #limits: PacketLimits;
  readonly #scanner: FixedHeaderScanner;
  #authenticated = false;
  #packets = 0;
  #refusal: Refusal | null = null;

  constructor(limits: PacketLimits = PACKET_LIMITS) {
    this.#limits = limits;
    this.#scanner = new FixedHeaderScanner((h) => this.#judge(h));
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** The broker accepted the client's credentials: from now on only the packet size is bounded. */
  authenticate(): void {
    this.#authenticated = true;
  }

  /** Inspects the next bytes the client sent; a refusal is final and means: close the connection now. */
  inspect(chunk: Uint8Array): Refusal | null {
    if (this.#refusal) return this.#refusal;
    if (!this.#authenticated) {
      const total = this.#scanner.offset + chunk.length;
      if (total > this.#limits.maxPreAuthBytes) {
        return (this.#refusal = { kind: 'preauth', reason: `${total} bytes before authentication (limit ${this.#limits.maxPreAuthBytes})` });
      }
    }
    return (this.#refusal = this.#scanner.scan(chunk));
  }

  #judge(h: FixedHeader): Refusal | null {
    const size = h.headerBytes + h.remainingLength;
    const limits = this.#limits;
    if (this.#packets++ === 0) {
      // "the first Packet sent from the Client to the Server MUST be a CONNECT Packet" [MQTT-3.1.0-1]
      if (h.type !== CONNECT) return { kind: 'preauth', reason: `first packet is of type ${h.type}, not CONNECT [MQTT-3.1.0-1]` };
      if (size > limits.maxFirstPacketBytes) return { kind: 'oversize', reason: `CONNECT of ${size} bytes (limit ${limits.maxFirstPacketBytes})` };
    }
    if (size > limits.maxPacketBytes) return { kind: 'oversize', reason: `packet of type ${h.type} and ${size} bytes (limit ${limits.maxPacketBytes})` };
    if (!this.#authenticated && h.start + size > limits.maxPreAuthBytes) {
      return { kind: 'preauth', reason: `packet of type ${h.type} ending at byte ${h.start + size} before authentication (limit ${limits.maxPreAuthBytes})` };
    }
    return null;
  }
}
