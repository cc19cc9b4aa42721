/**
 * Alpha Sign Communications Protocol (AMS 9708-8061F, "M-Protocol") transmission packets: the bytes,
 * the checksum and the packet encoder. Pure: no I/O.
 *
 * Standard transmission packet (§5.1):
 *
 *   NUL×5 | SOH | type code | address (2 ASCII hex) | STX | command code | data | ETX | checksum | EOT
 *
 * - The NULs let the sign find the baud rate (§5.1: "at least five"); signs ignore more of them.
 * - Type code `Z` reaches every type of sign; `0` is what a sign puts in its own responses.
 * - Address `00` is broadcast (every sign; none answers); `01`–`FF` one sign.
 * - Checksum (§5.1.1): the 16-bit sum of every byte from STX through ETX inclusive, as four ASCII
 *   hex digits, most significant first. Golden vector (REFERENCES.md): STX "AAHELLO" ETX → `01FB`.
 * - ETX and the checksum are optional: a command may end at the EOT (or at the next STX when
 *   several commands are nested in one packet, §5.1.2) without them.
 */

export const NUL = 0x00;
export const SOH = 0x01;
export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ACK = 0x06;
export const NAK = 0x15;

/** Type code: every sign type. */
export const TYPE_ALL = 'Z';
/** Type code of a packet a sign sends back (a read's response). */
export const TYPE_RESPONSE = '0';
/** Address every sign on the line obeys; no sign answers it. */
export const ADDRESS_BROADCAST = '00';

/** One command of a packet: its code (A write TEXT, E special function, G write STRING, …) and its data bytes. */
export interface AlphaCommand {
  code: string;
  data: Uint8Array;
}

/** A transmission packet: who it is for and the command(s) it carries. */
export interface AlphaPacket {
  /** One character: `Z` all signs, `0` a response, or a sign type. */
  typeCode: string;
  /** Two ASCII hex digits (upper case), or with `?` wildcards. */
  address: string;
  commands: AlphaCommand[];
}

/** The 16-bit sum of `bytes` (§5.1.1: over STX … ETX inclusive). */
export function sum16(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xffff;
  return sum;
}

/** The checksum field of a command: four upper-case ASCII hex digits of the sum of STX, code, data, ETX. */
export function commandChecksum(command: AlphaCommand): string {
  const sum = (STX + command.code.charCodeAt(0) + sum16(command.data) + ETX) & 0xffff;
  return sum.toString(16).toUpperCase().padStart(4, '0');
}

const ADDRESS = /^[0-9A-F?]{2}$/;

/** Throws a RangeError naming what is wrong with a packet before it is encoded. */
export function checkPacket(packet: AlphaPacket): void {
  if (packet.typeCode.length !== 1 || packet.typeCode.charCodeAt(0) < 0x20 || packet.typeCode.charCodeAt(0) > 0x7e) {
    throw new RangeError(`alpha packet: type code must be one printable character, not ${JSON.stringify(packet.typeCode)}`);
  }
  if (!ADDRESS.test(packet.address)) throw new RangeError(`alpha packet: address must be two upper-case hex digits, not ${JSON.stringify(packet.address)}`);
  if (packet.commands.length === 0) throw new RangeError('alpha packet: no command');
  for (const c of packet.commands) {
    if (c.code.length !== 1 || c.code.charCodeAt(0) < 0x20 || c.code.charCodeAt(0) > 0x7e) {
      throw new RangeError(`alpha packet: command code must be one printable character, not ${JSON.stringify(c.code)}`);
    }
    // Framing bytes inside the data would end the packet early on the sign.
    const bad = c.data.findIndex((b) => b === SOH || b === STX || b === ETX || b === EOT || b === NUL);
    if (bad >= 0) throw new RangeError(`alpha packet: command ${c.code} data holds framing byte 0x${c.data[bad]!.toString(16).padStart(2, '0')} at ${bad}`);
  }
}

export interface EncodeOptions {
  /** NULs before the SOH (§5.1: at least 5; the default). */
  sync?: number;
}

/** The bytes of `packet`, each command with its ETX and checksum. Throws a RangeError on a malformed packet. */
export function encodePacket(packet: AlphaPacket, options: EncodeOptions = {}): Uint8Array {
  checkPacket(packet);
  const sync = options.sync ?? 5;
  const parts: number[] = new Array<number>(sync).fill(NUL);
  parts.push(SOH, ...ascii(packet.typeCode), ...ascii(packet.address));
  for (const command of packet.commands) {
    parts.push(STX, command.code.charCodeAt(0), ...command.data, ETX, ...ascii(commandChecksum(command)));
  }
  parts.push(EOT);
  return Uint8Array.from(parts);
}

/** A one-command packet for `address` (type code `Z`). */
export function packet(address: string, code: string, data: Uint8Array | string, typeCode = TYPE_ALL): AlphaPacket {
  return { typeCode, address, commands: [{ code, data: typeof data === 'string' ? ascii(data) : data }] };
}

/** `text` as bytes, one per character (the protocol is 7-bit ASCII); throws on a character above 0xFF. */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`alpha: character ${JSON.stringify(text[i])} is not one byte (transliterate first)`);
    out[i] = c;
  }
  return out;
}

/** Bytes as a string, one character per byte. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Two upper-case hex digits of a sign address 1–255 (0 is broadcast). */
export function addressOf(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`alpha address must be 0–255, not ${n}`);
  return n.toString(16).toUpperCase().padStart(2, '0');
}
