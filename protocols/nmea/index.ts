/**
 * NMEA 0183 for GNSS receivers: bytes → lines (`NmeaFramer`) → sentences (`parseSentence`) → one
 * gated fix per receiver cycle (`FixAssembler`). `NmeaDecoder` chains the three for a live stream,
 * `decodeNmea` for a whole recording. Pure: no I/O, no clock but the one passed in.
 */
import { type FixAssemblerOptions, FixAssembler, type GnssFix } from './assembler.js';
import { NmeaFramer, type NmeaFramerOptions } from './framer.js';
import { type ParseOptions, isNmeaError, parseSentence } from './sentences.js';

export * from './assembler.js';
export * from './framer.js';
export * from './sentences.js';
export { KNOTS_TO_MPS } from './fields.js';

export interface NmeaDecoderOptions extends FixAssemblerOptions, NmeaFramerOptions, ParseOptions {}

/** What a decoder has seen so far. */
export interface NmeaDecodeStats {
  /** Lines that parsed as a supported sentence. */
  sentences: number;
  /** Well-formed sentences of other types, by tag (GPGSV, PGRME, …): not errors. */
  unsupported: Record<string, number>;
  /** Bytes skipped as noise (binary protocols, line garbage). */
  noiseBytes: number;
  /** Dates corrected by 1024 weeks. */
  weekRollovers: number;
}

/**
 * Framer, parser and assembler for one byte stream. `rejected` counts, by reason: lines refused by
 * the parser (`checksum`, `no-checksum`, `malformed`), lines dropped by the framer (`overlong`),
 * and cycles refused by the assembler (`status-v`, `no-fix`, `jump`, …; see assembler.ts).
 * Noise is counted in bytes, in `stats.noiseBytes`.
 */
export class NmeaDecoder {
  readonly framer: NmeaFramer;
  readonly assembler: FixAssembler;
  readonly #parse: ParseOptions;
  readonly #parseErrors: Record<string, number> = {};
  readonly #unsupported: Record<string, number> = {};
  #sentences = 0;

  constructor(options: NmeaDecoderOptions = {}) {
    this.framer = new NmeaFramer(options);
    this.assembler = new FixAssembler(options);
    this.#parse = { requireChecksum: options.requireChecksum ?? true };
  }

  /** Feeds bytes; returns the fixes they complete. */
  push(chunk: Uint8Array | string): GnssFix[] {
    return this.#lines(this.framer.push(chunk));
  }

  /** At the end of the input: the last line without a line end, and the last cycle. */
  end(): GnssFix[] {
    const fixes = this.#lines(this.framer.flush());
    const last = this.assembler.flush();
    if (last) fixes.push(last);
    return fixes;
  }

  get rejected(): Record<string, number> {
    const all: Record<string, number> = { ...this.#parseErrors };
    if (this.framer.overlong) all.overlong = this.framer.overlong;
    for (const [k, v] of Object.entries(this.assembler.rejected)) all[k] = (all[k] ?? 0) + v;
    return all;
  }

  get stats(): NmeaDecodeStats {
    return {
      sentences: this.#sentences,
      unsupported: { ...this.#unsupported },
      noiseBytes: this.framer.noiseBytes,
      weekRollovers: this.assembler.weekRollovers,
    };
  }

  #lines(lines: string[]): GnssFix[] {
    const fixes: GnssFix[] = [];
    for (const line of lines) {
      const s = parseSentence(line, this.#parse);
      if (isNmeaError(s)) {
        if (s.error === 'unsupported') {
          const tag = s.detail ?? '?';
          this.#unsupported[tag] = (this.#unsupported[tag] ?? 0) + 1;
        } else this.#parseErrors[s.error] = (this.#parseErrors[s.error] ?? 0) + 1;
        continue;
      }
      this.#sentences++;
      const fix = this.assembler.push(s);
      if (fix) fixes.push(fix);
    }
    return fixes;
  }
}

/** A whole recording (a log file's bytes or text) to its fixes, with what was refused and why. */
export function decodeNmea(
  text: string | Uint8Array,
  options: NmeaDecoderOptions = {},
): { fixes: GnssFix[]; rejected: Record<string, number> } & NmeaDecodeStats {
  const decoder = new NmeaDecoder(options);
  const fixes = [...decoder.push(text), ...decoder.end()];
  return { fixes, rejected: decoder.rejected, ...decoder.stats };
}
