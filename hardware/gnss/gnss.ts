/**
 * The bus's GNSS receiver: NMEA 0183 sentences over a serial line, turned into fixes.
 *
 * Laid out like the board class (hardware/board/board.ts): this file holds the interface, the
 * config types (`kind` picks the driver) and `createGnss(config)`, the only import the agent needs.
 * Every driver is a different first link of one chain, as in signalk-server's
 * `serial → liner → nmea0183 → handler` (chain.ts):
 *
 *   serial.ts     bytes from a serial port (serialport 13), reopened with backoff when it goes away
 *   replay.ts     bytes from a recorded NMEA log, at the log's own pace or as fast as it goes
 *   simulated.ts  bytes a simulated receiver on a moving bus writes (route.ts, talker.ts)
 *
 * and everything after the bytes (framing, checksums, fix assembly: protocols/nmea/) is the same
 * code for all three. contract.ts holds the tests every driver passes.
 *
 * Constructors do no I/O; start() begins, stop() ends and leaves no timer, file or port open.
 * Imports protocols/ only.
 */
import type { GnssFix } from '../../protocols/index.js';
import { ReplayGnss, type ReplayGnssOptions } from './replay.js';
import { SerialGnss, type SerialGnssOptions } from './serial.js';
import { SimulatedGnss, type SimulatedGnssOptions } from './simulated.js';

export type { GnssFix };

/** What a receiver has done since it was created (counts run on across stop() and start()). */
export interface GnssStats {
  /** Sentences read: well formed, a good checksum, of a type a fix is made of (RMC, GGA, GSA, VTG, ZDA, GLL). */
  sentences: number;
  /** Fixes handed to the listeners. */
  fixes: number;
  /**
   * What was thrown away, by reason, with the decoder's own names (protocols/nmea): lines the
   * parser refused (`checksum`, `no-checksum`, `malformed`), lines too long (`overlong`), cycles
   * the assembler refused (`status-v`, `no-fix`, `jump`, `time-backwards`, …), fixes not after the
   * last one handed out (`time-not-after-last`), and `cut`: a sentence the link lost in the middle
   * (a cable pulled), dropped rather than glued to the next bytes. Well-formed sentences of other
   * types (GSV, proprietary) are not counted here: they are not errors.
   */
  rejected: Record<string, number>;
  /** Bytes between sentences that were not NMEA (binary protocols, line noise). */
  noiseBytes: number;
  /** Wall-clock ISO time when the last fix was handed out (not the fix's own time); null: none yet. */
  lastFixAt: string | null;
  /** True while the source is there: the port is open, the log is being read, the simulation runs. */
  connected: boolean;
}

export interface GnssReceiver {
  /** Begins reading. Resolves once reading has begun (a serial port that is not there yet is retried, not an error). */
  start(): Promise<void>;
  /** Ends reading; resolves when every timer, file and port it used is closed. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Calls `listener` with each fix, in time order. A listener that throws is logged and the others
   * still run. Returns the function that removes it.
   */
  onFix(listener: (fix: GnssFix) => void): () => void;
  /** A fresh copy of the counts. */
  stats(): GnssStats;
}

/** A GNSS receiver on a serial port (`/dev/ttyAMA0`, `/dev/ttyUSB0`, or one end of a pty in tests). */
export interface SerialGnssConfig extends SerialGnssOptions {
  kind: 'serial';
}

/** A recorded NMEA log played back: the demo town, a laptop, a bug report's recording. */
export interface ReplayGnssConfig extends ReplayGnssOptions {
  kind: 'replay';
}

/** A receiver on a simulated bus driving a route (a GTFS shape) with stops, writing real NMEA. */
export interface SimulatedGnssConfig extends SimulatedGnssOptions {
  kind: 'simulated';
}

export type GnssConfig = SerialGnssConfig | ReplayGnssConfig | SimulatedGnssConfig;
export type GnssKind = GnssConfig['kind'];

/** The receiver named by `config.kind`. Does no I/O: that begins with start(). */
export function createGnss(config: SerialGnssConfig): SerialGnss;
export function createGnss(config: ReplayGnssConfig): ReplayGnss;
export function createGnss(config: SimulatedGnssConfig): SimulatedGnss;
export function createGnss(config: GnssConfig): GnssReceiver;
export function createGnss(config: GnssConfig): GnssReceiver {
  switch (config.kind) {
    case 'serial':
      return new SerialGnss(config);
    case 'replay':
      return new ReplayGnss(config);
    case 'simulated':
      return new SimulatedGnss(config);
    default: {
      const kind: never = config;
      throw new TypeError(`unknown gnss kind: ${JSON.stringify((kind as { kind?: unknown }).kind)}`);
    }
  }
}

export { ReplayGnss, SerialGnss, SimulatedGnss };
export type { ReplayGnssOptions, SerialGnssOptions, SimulatedGnssOptions };
export type { ChainOptions } from './chain.js';
export type { LatLon, RouteStop } from './route.js';
export type { SimulatedFaults } from './simulated.js';
export type { SerialPortLike } from './serial.js';
