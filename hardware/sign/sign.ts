/**
 * A parking guidance sign: an Alpha (M-Protocol) LED sign on RS-485, one line of text a row, each
 * row a STRING file the agent rewrites as the counts change.
 *
 * Laid out like hardware/gnss/ and hardware/epaper/: this file holds the interface, the fault type,
 * the config and `createSign(config, {log})`, the only import the agent needs.
 *
 *   alpha.ts      the driver: desired state → steps (plan.ts) → packets over the link (link.ts),
 *                 each write confirmed by the sign's ACK or, for a sign that does not ACK, read back
 *   exchange.ts   one exchange at a time: a write and its ACK/NAK, a read and its response, timeouts
 *   link.ts       the serial port (serialport 13), reopened with backoff when it goes away
 *   emulator.ts   an Alpha sign in software: memory configuration, files, ACK/NAK, reads, faults
 *                 to order; served on a pty (attach) or an in-memory port (port)
 *   simulated.ts  the driver on an emulator's in-memory port: the demo town's sign
 *   render.ts     what a sign shows as a 1-bpp LED-matrix picture (5×7 font) and as a PNG
 *   contract.ts   the tests every GuidanceSign passes
 *
 * Constructors do no I/O; start() begins, stop() ends and leaves no timer or port open.
 * Imports protocols/ only.
 */
import path from 'node:path';
import type { Logger, SignHardware } from '../../protocols/index.js';
import { AlphaSign, type AlphaSignOptions } from './alpha.js';
import type { SignPicture } from './render.js';
import { SimulatedSign, type SimulatedSignOptions } from './simulated.js';

export type { SignPicture };

/** One row of the sign: the STRING file that holds its text and how many characters it shows. */
export interface SignRow {
  /** One character 0x20–0x75, not `0` or `?`, not the layout's own TEXT label (default `A`). */
  fileLabel: string;
  /** Characters the row shows (1–125): text past it is cut off, and counted. */
  width: number;
}

export type SignLayout = readonly SignRow[];

/**
 * `disconnected`: the serial port is not open (cable out, adapter gone); `no-response`: writes were
 * neither acknowledged nor read back in the retries given; `nak`: the sign kept refusing a packet;
 * `config-lost`: the sign had lost its memory configuration (it rebooted) and was configured again
 * (cleared by itself); `state`: a call out of order (a write before configure, after stop);
 * `input`: an argument the sign cannot take (an unknown label, a bad width).
 */
export type SignFaultKind = 'disconnected' | 'no-response' | 'nak' | 'config-lost' | 'state' | 'input';

export class SignFault extends Error {
  readonly kind: SignFaultKind;
  constructor(kind: SignFaultKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignFault';
    this.kind = kind;
  }
}

export interface SignCounts {
  /** Packets written to the port. */
  packetsSent: number;
  acks: number;
  naks: number;
  /** Exchanges that got no answer in time (an ACK waited for, a read's response). */
  timeouts: number;
  /** Writes sent again after a NAK, a timeout or a read-back that differed. */
  retries: number;
  /** Reads used to confirm a write or to check the sign's memory configuration. */
  readBacks: number;
  /** Times the sign was found to have lost its memory configuration (rebooted) and was configured again. */
  reboots: number;
  /** Times an open port went away. */
  disconnects: number;
  /** Characters written another way for the sign (č→c) and characters it has no form for (→ `?`). */
  transliterated: number;
  unknownChars: number;
  /** Texts cut to their row's width. */
  truncated: number;
  /** Bytes from the sign that were not the protocol, and packets from it refused, by reason (protocols/alpha/parser.ts). */
  noiseBytes: number;
  rejected: Record<string, number>;
}

export interface SignHealth {
  /** The port is open. */
  connected: boolean;
  /** The last exchange with the sign got an answer. */
  responding: boolean;
  /** Whether the sign answers ACK/NAK (null: not known yet); without it writes are confirmed by reading back. */
  acks: boolean | null;
  /** The sign holds the memory configuration and layout it was given. */
  configured: boolean;
  /** Every row's text and the brightness are confirmed on the sign. */
  inSync: boolean;
  /** Faults in force now, each once. */
  faults: SignFaultKind[];
  lastError: string | null;
  /** Wall-clock ISO time of the last confirmed exchange; null: none yet. */
  lastOkAt: string | null;
  counts: SignCounts;
}

export interface GuidanceSign {
  /** Opens the port (one that is not there yet is retried, not an error) and configures the sign once a layout is given. */
  start(): Promise<void>;
  /** Ends every exchange, timer and port; pending calls reject with a `state` fault. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Sets the rows: the sign's memory is configured for them (one TEXT file calling a STRING file a
   * row) and the layout written; the rows start empty. Resolves when the sign confirms; rejects with
   * a SignFault (the driver keeps trying in the background, with backoff).
   */
  configure(layout: SignLayout): Promise<void>;
  /**
   * Shows `text` (UTF-8; transliterated for the sign, cut to the row's width) in the row whose
   * STRING file is `label`: a STRING write only, so the sign does not blank. Resolves when the sign
   * confirms it (or a newer text for the same row); rejects as configure() does.
   */
  writeString(label: string, text: string): Promise<void>;
  /** Brightness, percent (0–100), set to the nearest level the sign has (100, 86, 72, 58, 44 %). */
  setBrightness(percent: number): Promise<void>;
  health(): SignHealth;
  /** What the sign shows as far as confirmed writes tell: a row not confirmed is blank. */
  picture(): SignPicture;
}

export interface CreateSignOptions {
  log: Logger;
  /** What a relative `png` path is relative to (the config file's directory); default the process's. */
  baseDir?: string;
}

/** The sign the config names. Side-effect free: nothing is opened before start(). */
export function createSign(config: SignHardware, options: CreateSignOptions): GuidanceSign {
  const log = options.log;
  if (config.kind === 'alpha') {
    const { kind: _kind, ...rest } = config;
    return new AlphaSign({ ...rest, log });
  }
  const png = config.png === undefined ? undefined : path.resolve(options.baseDir ?? '.', config.png);
  return new SimulatedSign({ columns: config.columns, lines: config.lines, acks: config.acks, log, ...(png ? { png } : {}) });
}

export { AlphaSign, SimulatedSign };
export type { AlphaSignOptions, SimulatedSignOptions };
