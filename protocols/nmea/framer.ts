/**
 * Cuts a serial byte stream into NMEA 0183 lines. Pure and incremental: `push` takes chunks split
 * anywhere (mid-sentence, mid-CRLF) and returns the complete lines, without CR/LF.
 *
 * Rules (gpsd's `www/NMEA.adoc`, "NMEA Encoding Conventions" and "NMEA 0183 physical protocol
 * layer"):
 * - A sentence starts with `$` (or `!` for AIS) and ends with LF; the CR before it is optional
 *   here, and a lone CR also ends a line (some receivers send CR only).
 * - The data is ASCII with the high bit zeroed: any byte outside 0x20–0x7E inside a line means
 *   binary data got in (a receiver speaking SiRF binary `A0 A2 … B0 B3` or UBX `B5 62 …` between
 *   sentences, line noise): the line so far is dropped and counted as noise, never a crash.
 * - `$` and `!` only start sentences: one inside a line means the line before it was cut off (its
 *   bytes count as noise) and a new sentence starts there.
 * - Anything outside a sentence (binary packets, text that does not start with `$`/`!`) is skipped
 *   byte by byte and counted in `noiseBytes`.
 * - The maximum sentence is 82 bytes with `$` and CRLF; real receivers exceed it (Trimble RTK GGA
 *   is 92), so the limit is `maxLineLength` (120) characters without CR/LF. A longer line is
 *   dropped and counted in `overlong`; the buffer never grows past the limit.
 */

export interface NmeaFramerOptions {
  /** Longest line kept, without CR/LF (default 120). */
  maxLineLength?: number;
}

const DOLLAR = 0x24;
const BANG = 0x21;
const CR = 0x0d;
const LF = 0x0a;

export class NmeaFramer {
  /** Bytes skipped: outside sentences, or in a line cut off by binary data or a new `$`. */
  noiseBytes = 0;
  /** Lines dropped for being longer than the limit. */
  overlong = 0;
  readonly #max: number;
  readonly #line: Uint8Array;
  #length = 0;
  /** Inside a line that started with `$`/`!`. */
  #inLine = false;
  /** Inside an overlong line: skip to its end. */
  #skipping = false;

  constructor(options: NmeaFramerOptions = {}) {
    this.#max = Math.max(8, Math.floor(options.maxLineLength ?? 120));
    this.#line = new Uint8Array(this.#max);
  }

  push(chunk: Uint8Array | string): string[] {
    const out: string[] = [];
    if (typeof chunk === 'string') {
      // A string's characters are taken as bytes; anything above 0xFF is not ASCII: noise.
      for (let i = 0; i < chunk.length; i++) this.#byte(Math.min(chunk.charCodeAt(i), 0x100), out);
    } else {
      for (let i = 0; i < chunk.length; i++) this.#byte(chunk[i]!, out);
    }
    return out;
  }

  /** At the end of the input: the last line if it had no line end (a file without a final newline). */
  flush(): string[] {
    const out: string[] = [];
    if (this.#inLine && this.#length > 0) out.push(this.#take());
    this.#inLine = false;
    this.#skipping = false;
    return out;
  }

  #take(): string {
    let s = '';
    for (let i = 0; i < this.#length; i++) s += String.fromCharCode(this.#line[i]!);
    this.#length = 0;
    return s;
  }

  #start(b: number): void {
    this.#inLine = true;
    this.#skipping = false;
    this.#line[0] = b;
    this.#length = 1;
  }

  #byte(b: number, out: string[]): void {
    if (b === DOLLAR || b === BANG) {
      // A start delimiter: what was being collected is cut off.
      if (this.#inLine && !this.#skipping) this.noiseBytes += this.#length;
      this.#start(b);
      return;
    }
    if (b === LF || b === CR) {
      if (this.#inLine && !this.#skipping) out.push(this.#take());
      this.#inLine = false;
      this.#skipping = false;
      return;
    }
    if (!this.#inLine) {
      this.noiseBytes++;
      return;
    }
    if (b < 0x20 || b > 0x7e) {
      // Binary inside a line: the line is lost; so is this byte.
      this.noiseBytes += (this.#skipping ? 0 : this.#length) + 1;
      this.#inLine = false;
      this.#skipping = false;
      this.#length = 0;
      return;
    }
    if (this.#skipping) return;
    if (this.#length === this.#max) {
      this.overlong++;
      this.#skipping = true;
      this.#length = 0;
      return;
    }
    this.#line[this.#length++] = b;
  }
}
