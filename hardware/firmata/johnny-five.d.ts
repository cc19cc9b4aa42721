/**
 * The little of johnny-five 2.1 that the Firmata link (link.ts) uses (the package ships no types).
 * johnny-five is CommonJS whose exports Node cannot list for ESM, so it is reached through the
 * default export: `(await import('johnny-five')).default.Board`.
 */
declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events';

  /** A pin as an IO plugin describes it (firmata.js fills these from CAPABILITY_RESPONSE). */
  export interface IoPin {
    supportedModes: readonly number[];
    mode?: number;
    value?: number;
    analogChannel?: number;
  }

  /** An IO plugin: firmata.js's Board over a serial port, or mock-firmata in tests. */
  export interface IoPlugin extends EventEmitter {
    readonly isReady: boolean;
    readonly MODES: Readonly<Record<string, number>>;
    readonly pins: readonly (IoPin | undefined)[];
    name?: string;
    /** firmata.js: what QUERY_FIRMWARE answered. */
    firmware?: { name?: string; version?: { major?: number; minor?: number } };
    /** firmata.js: sends REPORT_VERSION (0xF9); `callback` once the board has answered. */
    reportVersion?(callback: () => void): void;
    /** firmata.js: sends QUERY_FIRMWARE (0xF0 0x79 0xF7); `callback` once the board has answered. */
    queryFirmware?(callback: () => void): void;
    /** firmata.js: the timer that sends REPORT_VERSION itself if the board has said nothing in 5 s. */
    reportVersionTimeoutId?: ReturnType<typeof setTimeout>;
  }

  export interface BoardOptions {
    /** A serial port (node-serialport's stream, or anything shaped like it): johnny-five runs firmata.js over it. */
    port?: object | string;
    /** An IO plugin instead of Firmata over a port. */
    io?: IoPlugin;
    id?: string;
    /** johnny-five opens a REPL on stdin unless this is false. */
    repl?: boolean;
    /** johnny-five logs to the console unless this is false. */
    debug?: boolean;
    /** johnny-five installs a SIGINT handler that exits the process unless this is false. */
    sigint?: boolean;
    /** ms from "connect" to "ready" before the board emits an "error" (10 000). */
    timeout?: number;
  }

  /**
   * Emits "connect" and "ready"; "error" (an Error, or before "ready" one of its log events
   * `{ type, class, message }`), and once ready "close", "disconnect" and "string" from its IO.
   */
  export class Board extends EventEmitter {
    constructor(options?: BoardOptions);
    /** The IO plugin: firmata.js's Board when made with `port` (assigned in the constructor). */
    readonly io: IoPlugin;
    readonly isReady: boolean;
    /** The "connect" → "ready" timeout's timer, or null. */
    timer: ReturnType<typeof setTimeout> | null;
    pinMode(pin: number, mode: number): this;
    /** Turns reporting on for the pin's port; `callback` gets the pin's value on every report. */
    digitalRead(pin: number, callback: (value: number) => void): this;
  }

  const five: { Board: typeof Board };
  export default five;
}
