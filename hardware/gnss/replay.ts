/**
 * A recorded NMEA log played back through the same chain as a live receiver (signalk-server swaps
 * the serial stream for a file stream the same way), for the demo town and for laptops.
 *
 * The log is a receiver's bytes, one line each (gpsd's test logs are: `data/nmea/gpsd/*.log`);
 * a line that starts with `#` is a comment, not something the receiver said. Binary between the
 * sentences is kept: the framer skips it as it would on the wire.
 *
 * `rate: 'realtime'` hands out each fix as long after the one before as the log's own times say
 * (`speedup` 10 plays ten seconds of log a second; a gap over a minute plays as a minute);
 * `'fast'` as fast as the chain goes, yielding to the event loop now and then; `'clock'` each fix
 * when the wall clock reaches its time, beginning after the last fix already past (a log written
 * ahead with the times it is to carry, as the demo's buses have: an agent started late, or again,
 * joins it where the clock is). With `loop` the log starts again at its end; each lap's
 * fixes are moved on in time by the length of the laps before, so time keeps going forward.
 */
import fs from 'node:fs/promises';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { FixAssembler, NmeaFramer, isNmeaError, parseSentence, type GnssFix } from '../../protocols/index.js';
import { NmeaChain, type ChainOptions } from './chain.js';
import type { GnssReceiver, GnssStats } from './gnss.js';

export interface ReplayGnssOptions extends ChainOptions {
  /** The log file. */
  file: string;
  /** 'realtime' (the default): at the pace the log was recorded; 'fast': as fast as it goes; 'clock': at the log's own times. */
  rate?: 'realtime' | 'fast' | 'clock';
  /** With 'realtime': seconds of log played per real second (1). */
  speedup?: number;
  /** Play the log again from its start when it ends (false). */
  loop?: boolean;
}

/** One line of the log, and the time of the fix it completes, if it does. */
interface LogLine {
  bytes: Buffer;
  fixMs: number | null;
}

/** In 'fast', lines pushed between two turns of the event loop. */
const FAST_BATCH_LINES = 256;
/** A longer gap between two fixes of a log (a receiver switched off, a date fixed up) plays as this (ms of log). */
const MAX_GAP_MS = 60_000;
/** Between the last fix of a lap and the first of the next, when the log does not say (ms). */
const DEFAULT_FIX_INTERVAL_MS = 1000;

export class ReplayGnss implements GnssReceiver {
  readonly #options: ReplayGnssOptions;
  readonly #chain: NmeaChain;
  #abort: AbortController | null = null;
  #running: Promise<void> = Promise.resolve();
  /** Laps played to their end. */
  laps = 0;

  constructor(options: ReplayGnssOptions) {
    const speedup = options.speedup ?? 1;
    if (!(speedup > 0)) throw new RangeError(`speedup must be above 0, not ${speedup}`);
    this.#options = { ...options };
    this.#chain = new NmeaChain(options);
  }

  /**
   * Reads the log and begins playing it. Rejects when the file cannot be read (a config naming a
   * file that is not there is a mistake to report, not a link to wait for).
   */
  async start(): Promise<void> {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    let lines: LogLine[];
    try {
      lines = timed(await fs.readFile(this.#options.file), this.#options);
    } catch (err) {
      if (this.#abort === abort) this.#abort = null;
      throw err;
    }
    if (abort.signal.aborted) return; // stop() came while the file was being read
    const clock = lapClock(lines);
    if (this.#chain.lastFixTimeMs > Number.NEGATIVE_INFINITY && clock.first !== undefined) {
      // Played before, then stopped: this start is a new lap, one interval after the last fix
      // ('clock': the log keeps its times, and playing picks up where the clock is).
      this.#chain.cut();
      this.#chain.restartAssembly();
      if (this.#options.rate !== 'clock') this.#chain.timeOffsetMs = this.#chain.lastFixTimeMs + clock.interval - clock.first;
    }
    this.#chain.connected = true;
    this.#running = this.#play(lines, abort.signal).then(
      () => undefined,
      (err: unknown) => {
        if (!abort.signal.aborted) this.#options.log?.error('gnss replay failed', { file: this.#options.file, error: String(err) });
      },
    );
    void this.#running.finally(() => {
      if (this.#abort === abort) this.#chain.connected = false;
    });
  }

  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort();
    await this.#running;
    this.#abort = null;
    this.#chain.connected = false;
  }

  /** Settles when the log has been played to its end (never, with `loop`, until stop()). */
  get finished(): Promise<void> {
    return this.#running;
  }

  onFix(listener: (fix: GnssFix) => void): () => void {
    return this.#chain.onFix(listener);
  }

  stats(): GnssStats {
    return this.#chain.stats();
  }

  async #play(lines: LogLine[], signal: AbortSignal): Promise<void> {
    const rate = this.#options.rate ?? 'realtime';
    const speedup = this.#options.speedup ?? 1;
    const { lapMs } = lapClock(lines);
    /** When (performance.now) the last fix was due, and its time in the log. */
    let dueAt = performance.now();
    let lastFixMs: number | null = null;
    /** With 'clock': the wall clock less the monotonic one, read once (waits do not follow a stepped clock). */
    const wallMinusMono = (this.#options.now ?? Date.now)() - performance.now();
    for (;;) {
      let batch = 0;
      const from = rate === 'clock' ? firstNotPast(lines, wallMinusMono + performance.now() - this.#chain.timeOffsetMs) : 0;
      for (let i = from; i < lines.length; i++) {
        const line = lines[i]!;
        if (signal.aborted) return;
        if (rate === 'clock' && line.fixMs !== null) {
          const wait = line.fixMs + this.#chain.timeOffsetMs - wallMinusMono - performance.now();
          if (wait > 1) await sleep(wait, undefined, { signal }).catch(() => undefined);
        } else if (rate === 'realtime' && line.fixMs !== null) {
          // Due one log interval after the fix before (on the log's clock, not the machine's
          // timers, so waits do not add up their lateness), a gap over a minute played as a minute.
          const gap = lastFixMs === null ? 0 : Math.min(Math.max(line.fixMs - lastFixMs, 0), MAX_GAP_MS);
          lastFixMs = line.fixMs;
          dueAt += gap / speedup;
          const wait = dueAt - performance.now();
          if (wait > 1) await sleep(wait, undefined, { signal }).catch(() => undefined);
        } else if (++batch >= FAST_BATCH_LINES) {
          batch = 0;
          await nextTurn(undefined, { signal }).catch(() => undefined);
        }
        if (signal.aborted) return;
        this.#chain.push(line.bytes);
      }
      this.#chain.end();
      this.#chain.cut();
      this.laps++;
      if (!this.#options.loop || signal.aborted) return;
      // A log with no fix in it would loop without ever waiting: played in time, a lap takes at
      // least a fix interval; in fast, the event loop gets its turn.
      if (rate !== 'fast' && lapMs === 0) await sleep(DEFAULT_FIX_INTERVAL_MS / speedup, undefined, { signal }).catch(() => undefined);
      else await nextTurn(undefined, { signal }).catch(() => undefined);
      this.#chain.restartAssembly();
      this.#chain.timeOffsetMs += lapMs;
      if (lastFixMs !== null) lastFixMs -= lapMs; // the next lap's first fix is one interval on
    }
  }
}

/**
 * Where a 'clock' replay begins: after the line that completed the last fix before `nowMs`, or at
 * the start. Once the decoder knows a cycle's last sentence that line ends a cycle, so the next
 * begins one; before (a log's first two cycles) it is the next cycle's first, and that cycle is short.
 */
function firstNotPast(lines: readonly LogLine[], nowMs: number): number {
  let from = 0;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.fixMs;
    if (t === null) continue;
    if (t >= nowMs) break;
    from = i + 1;
  }
  return from;
}

/** The log's first fix time, its fix interval (the first two fixes apart), and one lap: first to last fix plus an interval. */
function lapClock(lines: readonly LogLine[]): { first: number | undefined; interval: number; lapMs: number } {
  const fixTimes = lines.flatMap((l) => (l.fixMs === null ? [] : [l.fixMs]));
  const first = fixTimes[0];
  const interval = fixTimes.length > 1 ? Math.max(1, fixTimes[1]! - fixTimes[0]!) : DEFAULT_FIX_INTERVAL_MS;
  const lapMs = first === undefined ? 0 : fixTimes[fixTimes.length - 1]! - first + interval;
  return { first, interval, lapMs };
}

/**
 * The log's lines without its comments, each with a line end, and the time of the fix it
 * completes, found by running the decoder over them once beforehand: the same framer, parser and
 * assembler the chain runs, so a line completes the same fix when it is played.
 */
function timed(log: Buffer, options: ChainOptions): LogLine[] {
  const framer = new NmeaFramer();
  const assemblerOptions: ConstructorParameters<typeof FixAssembler>[0] = {};
  if (options.maxSpeedMps !== undefined) assemblerOptions.maxSpeedMps = options.maxSpeedMps;
  if (options.now !== undefined) assemblerOptions.now = options.now;
  const assembler = new FixAssembler(assemblerOptions);
  const out: LogLine[] = [];
  let start = 0;
  while (start < log.length) {
    let end = log.indexOf(0x0a, start);
    end = end < 0 ? log.length : end + 1;
    const bytes = log.subarray(start, end);
    start = end;
    if (bytes[0] === 0x23 /* # */) continue;
    const line = bytes[bytes.length - 1] === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\r\n')]);
    let fixMs: number | null = null;
    for (const text of framer.push(line)) {
      const sentence = parseSentence(text);
      if (isNmeaError(sentence)) continue;
      const fix = assembler.push(sentence);
      if (fix) fixMs = Date.parse(fix.time);
    }
    out.push({ bytes: line, fixMs: fixMs !== null && Number.isFinite(fixMs) ? fixMs : null });
  }
  // What the chain's end() hands out when the log is over belongs to its last line.
  const last = assembler.flush();
  if (last && out.length > 0) out[out.length - 1]!.fixMs = Date.parse(last.time);
  return out;
}
