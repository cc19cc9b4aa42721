/**
 * The seam every feature of the agent plugs into: an `AgentModule` (start/stop, and what it
 * declares: its settings section, the content kinds it takes) and the one context it gets, bound
 * to its own name (like a signalk-server provider's app facade). Nothing here is global: a module
 * reaches the outbox, the commands, its settings, its tables, the frame topic and the hardware only
 * through its context. device/module-host.ts runs them.
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import type { AudioHardware, ContentBody, ContentKind, FrameImage, Logger, ModuleStatus, Role, StreamName, StreamRecord } from '../protocols/index.js';
import type { Board } from '../hardware/board/board.js';
import type { PushButton } from '../hardware/button/button.js';
import type { DoorCounter } from '../hardware/door/door.js';
import type { EpaperPanel } from '../hardware/epaper/epaper.js';
import type { GnssReceiver } from '../hardware/gnss/gnss.js';
import type { GuidanceSign } from '../hardware/sign/sign.js';
import type { LoopDetector } from '../hardware/loop/loop.js';
import type { CommandHandler } from './commands.js';

/** What the role's hardware gives its modules (hardware/): the board always; the rest as configured. */
export interface ModuleDrivers {
  board: Board;
  doors?: DoorCounter;
  gnss?: GnssReceiver;
  /** The car park's lane loop detectors (car-park-counter). */
  loops?: LoopDetector;
  epaper?: EpaperPanel;
  /** The stop display's talking button (device/speech/talking-button.ts reads the screen aloud on a press). */
  button?: PushButton;
  /** Where the talking button's speech goes (config `hardware.audio`; without it, ALSA's default device). */
  audio?: AudioHardware;
  /** The parking panel's LED guidance sign (hardware/sign/: an Alpha sign on RS-485, or simulated). */
  sign?: GuidanceSign;
}

/** A module's own tables in the agent's SQLite file (device/module-db.ts). */
export interface ModuleDatabase {
  /** The real name of this module's table `name` (`m_<module>__<name>`): only such names are its own. */
  table(name: string): string;
  /**
   * Brings this module's tables up to date: step i (0-based) is schema version i + 1; the steps
   * not yet applied run in order, each in its own transaction, and the version is kept per module.
   * A step that touches anything not named by `table()` is rolled back and throws. Returns the version.
   */
  migrate(steps: readonly string[]): number;
  prepare<R = unknown>(sql: string): Database.Statement<unknown[], R>;
  transaction<T>(work: () => T): T;
}

export interface ModuleCommands {
  /**
   * Adds a verb, answered like the core ones (`received`, then `succeeded` with what the handler
   * returns, `rejected` for a CommandRejected, `failed` otherwise). A verb another module or the
   * core already has is an error. Removed when the module stops or fails.
   */
  register(verb: string, handler: CommandHandler): void;
}

/** What a display shows now (published on `frame`; the fleet keeps the latest). */
export interface FrameReport {
  kind: string;
  summary: string;
  hash?: string;
  /** The picture on the glass (protocols/mqtt/frame-image.ts `encodeFrameImage`); `hash` is then that of its bits. */
  image?: FrameImage;
}

/** An e-paper module's refresh counts, reported with its status in the heartbeat. */
export type DisplayStats = NonNullable<ModuleStatus['display']>;

/** What a module gets: everything it may touch, nothing global. One per start (a restart gets a new one). */
export interface AgentContext<S = unknown> {
  /** Which device this is (never its credentials). */
  readonly device: { id: string; role: Role; site?: string };
  /** A child logger named after the module. */
  readonly log: Logger;
  /**
   * Queues a telemetry record on one of the streams of protocols/streams; resolves with its seq once
   * it is safe on disk. Rejects when the record fails its stream's schema or the outbox refuses it
   * (a full disk); a caller that does not await it loses nothing but that record.
   */
  record<K extends StreamName>(stream: K, data: StreamRecord<K>, ts?: number): Promise<number>;
  /** This module's status in the heartbeat (`ok` once start() returns, unless set otherwise). */
  setStatus(status: Exclude<ModuleStatus['status'], 'failed' | 'stopped'>, error?: string): void;
  /** Refresh counts of the display this module drives, carried with its status from now on. */
  setDisplayStats(stats: DisplayStats): void;
  /** Whether the fleet can be heard now: connected, and the fleet service online. */
  fleetOnline(): boolean;
  /** Gives up: the module is stopped, marked failed and restarted with backoff. */
  fail(err: unknown): void;
  readonly commands: ModuleCommands;
  /** This module's section of the desired settings, parsed with its defaults. */
  settings(): S;
  readonly db: ModuleDatabase;
  /** Publishes what the display shows now; resolves false (quietly) when there is no link. */
  publishFrame(frame: FrameReport): Promise<boolean>;
  /**
   * Runs `work` every `ms` until the module stops; its errors count like a handler's (three in a
   * row fail the module). Returns a function that cancels it.
   */
  every(ms: number, work: () => Promise<void> | void): () => void;
  /** Aborted when the module stops or fails. */
  readonly signal: AbortSignal;
  readonly drivers: ModuleDrivers;
}

/** The arguments of `onContent` for the kinds `K`: the body's type follows the kind. */
export type ContentArgs<K extends ContentKind> = { [P in K]: [kind: P, body: ContentBody<P>] }[K];

export interface AgentModule<S = unknown, K extends ContentKind = ContentKind> {
  /** Its name in the heartbeat, its settings section and its table prefix (a stream-like name: `board-watch`). */
  readonly name: string;
  /** Its section of `settings.modules` (give the schema of protocols/config/modules.ts, so the fleet checks it too). */
  readonly settings?: z.ZodType<S>;
  /** The content kinds it takes; no other kind reaches it. */
  readonly contentKinds?: readonly K[];
  start(ctx: AgentContext<S>): Promise<void> | void;
  /** Also called after a failure, to release what it holds: must cope with a start that did not finish. */
  stop(): Promise<void> | void;
  /** Content of a declared kind, its body already checked against that kind's schema. */
  onContent?(...args: ContentArgs<K>): Promise<void> | void;
  /** On the `identify` command: show yourself (flash, blink, log). */
  identify?(): Promise<void> | void;
  /** A new desired config changed this module's section (already validated and stored). */
  onSettings?(section: S): Promise<void> | void;
}

/** Any module, whatever its settings and kinds (what a role's list holds). */
export type AnyAgentModule = AgentModule<any, any>;

/** Makes a module: a fresh instance per agent, nothing shared. */
export type ModuleFactory = () => AnyAgentModule;
