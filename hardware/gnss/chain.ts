/**
 * Everything after the bytes, the same for every driver (signalk-server's
 * `liner → nmea0183 → handler`, here protocols/nmea's `NmeaFramer → parseSentence → FixAssembler`):
 * bytes in, fixes out to the listeners, and the counts a receiver's stats() reports.
 *
 * Never throws: a chunk of noise, a bad checksum or a listener that throws is counted or logged,
 * and the next chunk goes through as usual.
 */
import { FixAssembler, NmeaFramer, isNmeaError, parseSentence, type GnssFix, type Logger } from '../../protocols/index.js';
import type { GnssStats } from './gnss.js';

export interface ChainOptions {
  /** Fixes implying a faster move than this since the last one are refused (a jump); the assembler's default otherwise. */
  maxSpeedMps?: number;
  /** Wall-clock milliseconds, for lastFixAt and the assembler's sense of today; Date.now otherwise. */
  now?: () => number;
  /** Where a listener that throws, a decoder failure or a port that goes away is logged; nowhere otherwise. */
  log?: Logger;
  /**
   * Dates before this are taken for a GPS week rollover and moved 1024 weeks on (protocols/nmea's
   * default is recent). A replay of an old recorded log sets it far back, so its dates stay as logged.
   */
  dateFloor?: number;
}

type FixListener = (fix: GnssFix) => void;

const LF = 0x0a;
const CR = 0x0d;
const DOLLAR = 0x24;

export class NmeaChain {
  readonly #options: ChainOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<FixListener>();
  #framer = new NmeaFramer();
  #assembler: FixAssembler;
  /** Noise and overlong counts of framers already replaced (at a cut), so the totals run on. */
  #retiredNoise = 0;
  #retiredOverlong = 0;
  /** The assembler's refusals from assemblers already replaced (at a replay's new lap). */
  readonly #retiredRefusals: Record<string, number> = {};
  readonly #rejected: Record<string, number> = {};
  #sentences = 0;
  #fixes = 0;
  #lastFixAt: string | null = null;
  #lastFixMs = Number.NEGATIVE_INFINITY;
  /** A `$` has come since the last line end (or binary): a sentence is under way, and a cut now loses it. */
  #midSentence = false;
  /** Added to every fix's time (a replay's later laps); 0 otherwise. */
  timeOffsetMs = 0;
  /** Set by the driver: is its source there now. */
  connected = false;

  constructor(options: ChainOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#assembler = this.#newAssembler();
  }

  /** Bytes as they came off the line, split anywhere. */
  push(chunk: Uint8Array | string): void {
    let lines: string[];
    try {
      this.#track(chunk);
      lines = this.#framer.push(chunk);
    } catch (err) {
      this.#count('framer-error');
      this.#options.log?.warn('the NMEA framer failed on a chunk', { error: String(err) });
      return;
    }
    for (const line of lines) this.#line(line);
  }

  /**
   * The input is over (the end of a log): a last line without its line end is taken, and the
   * cycle in progress is complete, so its fix is handed out now rather than never.
   */
  end(): void {
    let fix: GnssFix | null = null;
    try {
      for (const line of this.#framer.flush()) this.#line(line);
      this.#midSentence = false;
      fix = this.#assembler.flush();
    } catch (err) {
      this.#count('decoder-error');
      this.#options.log?.warn('the NMEA decoder failed at the end of its input', { error: String(err) });
    }
    if (fix) this.#emit(fix);
  }

  /**
   * The link went away (a cable pulled, a port closed): a sentence it was in the middle of is
   * dropped and counted as `cut`, never glued to the first bytes after the link comes back.
   */
  cut(): void {
    if (this.#midSentence) this.#count('cut');
    this.#midSentence = false;
    this.#retiredNoise += this.#framer.noiseBytes;
    this.#retiredOverlong += this.#framer.overlong;
    this.#framer = new NmeaFramer();
  }

  /** Forget the fix being assembled and the last position (a log played again from its start). */
  restartAssembly(): void {
    for (const [reason, n] of Object.entries(this.#assembler.rejected)) this.#retiredRefusals[reason] = (this.#retiredRefusals[reason] ?? 0) + n;
    this.#assembler = this.#newAssembler();
  }

  onFix(listener: FixListener): () => void {
    // A wrapper per registration, so the same function added twice is called twice and removed once.
    const entry: FixListener = (fix) => listener(fix);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** The time of the last fix handed out, ms since the epoch; -Infinity before the first. */
  get lastFixTimeMs(): number {
    return this.#lastFixMs;
  }

  stats(): GnssStats {
    const rejected: Record<string, number> = { ...this.#rejected };
    for (const source of [this.#retiredRefusals, this.#assembler.rejected]) {
      for (const [reason, n] of Object.entries(source)) if (n > 0) rejected[reason] = (rejected[reason] ?? 0) + n;
    }
    const overlong = this.#retiredOverlong + this.#framer.overlong;
    if (overlong > 0) rejected.overlong = (rejected.overlong ?? 0) + overlong;
    return {
      sentences: this.#sentences,
      fixes: this.#fixes,
      rejected,
      noiseBytes: this.#retiredNoise + this.#framer.noiseBytes,
      lastFixAt: this.#lastFixAt,
      connected: this.connected,
    };
  }

  #line(line: string): void {
    let fix: GnssFix | null;
    try {
      const sentence = parseSentence(line);
      if (isNmeaError(sentence)) {
        // A well-formed sentence of a type no fix needs (GSV, proprietary PGRME…) is not an error.
        if (sentence.error !== 'unsupported') this.#count(sentence.error);
        return;
      }
      this.#sentences++;
      fix = this.#assembler.push(sentence);
    } catch (err) {
      this.#count('decoder-error');
      this.#options.log?.warn('the NMEA decoder failed on a sentence', { line: line.slice(0, 100), error: String(err) });
      return;
    }
    if (fix) this.#emit(fix);
  }

  #emit(assembled: GnssFix): void {
    const fix = this.timeOffsetMs === 0 ? assembled : { ...assembled, time: new Date(Date.parse(assembled.time) + this.timeOffsetMs).toISOString() };
    const ms = Date.parse(fix.time);
    if (!(ms > this.#lastFixMs)) {
      // The interface promises time order; a receiver that steps back (a cold start's leap-second
      // offset, a replayed log) does not get to break it.
      this.#count('time-not-after-last');
      return;
    }
    this.#lastFixMs = ms;
    this.#fixes++;
    this.#lastFixAt = new Date(this.#now()).toISOString();
    for (const listener of [...this.#listeners]) {
      try {
        listener({ ...fix });
      } catch (err) {
        this.#options.log?.error('a fix listener threw', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    }
  }

  #count(reason: string): void {
    this.#rejected[reason] = (this.#rejected[reason] ?? 0) + 1;
  }

  #newAssembler(): FixAssembler {
    const options: ConstructorParameters<typeof FixAssembler>[0] = {};
    if (this.#options.maxSpeedMps !== undefined) options.maxSpeedMps = this.#options.maxSpeedMps;
    if (this.#options.now !== undefined) options.now = this.#options.now;
    if (this.#options.dateFloor !== undefined) options.dateFloor = this.#options.dateFloor;
    return new FixAssembler(options);
  }

  /** Follows whether the stream is inside a sentence (a `$` since the last CR, LF or binary byte). */
  #track(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    for (let i = bytes.length - 1; i >= 0; i--) {
      const b = bytes[i];
      // A line end ends the sentence; a byte that is not printable ASCII makes the framer drop it.
      if (b === LF || b === CR || b! < 0x20 || b! > 0x7e) {
        this.#midSentence = false;
        return;
      }
      if (b === DOLLAR) {
        this.#midSentence = true;
        return;
      }
    }
    // Neither a line end nor a `$` in this chunk: still wherever the last one left off.
  }
}
