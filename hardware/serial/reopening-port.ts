/**
 * A serial port kept open for as long as it runs: one that cannot be opened, or that goes away
 * (a USB adapter unplugged, a cable pulled, the pty's other end gone), is opened again with
 * backoff: `reconnectMinMs` doubling up to `reconnectMaxMs`, back to the minimum after an open that
 * works. What the bytes mean is the owner's (the GNSS chain, the Alpha sign's link): it gets them,
 * and hears of each open, loss and failed open. Nothing throws from a port callback.
 *
 * The port is made by `makePort` (closed), so tests and simulations may hand in another transport.
 */
import type { EventEmitter } from 'node:events';

/** What is needed of a port: node-serialport's stream, or anything shaped like it. */
export interface PortLike extends EventEmitter {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
}

/** What the owner hears. Each is called from a port callback or a timer: none may throw. */
export interface ReopeningPortEvents {
  /** Bytes came. */
  data(chunk: Buffer): void;
  /** The port opened. */
  opened(): void;
  /** The port went away or ended (`wasOpen`: it had opened). Another open is scheduled after this. */
  lost(why: string, wasOpen: boolean): void;
  /** The port could not be made or opened; it is tried again in `retryInMs`. */
  failed(err: unknown, retryInMs: number): void;
  /** The port reported an error outside an open or close (a failed write, say): a loss comes as 'close'. */
  portError(err: Error): void;
}

export interface ReopeningPortOptions<P extends PortLike> {
  /** Makes the port, closed. May throw (counted as a failed open). */
  makePort: () => P;
  /** First wait before opening again, ms. It doubles on each failure up to `reconnectMaxMs`. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /**
   * Whether the device is still there (its path exists), asked every `presenceCheckMs` while the
   * port is open: a USB adapter unplugged, or a pty whose other end went, is lost at once even
   * when its close comes late (or not at all) through the port's poller.
   */
  present?: () => boolean;
  presenceCheckMs?: number;
}

export class ReopeningPort<P extends PortLike> {
  readonly #options: ReopeningPortOptions<P>;
  readonly #events: ReopeningPortEvents;
  #port: P | null = null;
  #open = false;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs: number;
  /** Settles when the port being opened or closed has finished doing so. */
  #settling: Promise<void> = Promise.resolve();
  #openFailures = 0;
  #disconnects = 0;
  #presence: NodeJS.Timeout | null = null;

  constructor(options: ReopeningPortOptions<P>, events: ReopeningPortEvents) {
    this.#options = options;
    this.#events = events;
    this.#backoffMs = options.reconnectMinMs;
  }

  /** The port while it is open, else null. */
  get port(): P | null {
    return this.#open ? this.#port : null;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Opens that failed (the port not there, not ours to open), since creation. */
  get openFailures(): number {
    return this.#openFailures;
  }

  /** Times an open port went away, since creation. */
  get disconnects(): number {
    return this.#disconnects;
  }

  /** Resolves after the first attempt to open, whether it worked or a retry is scheduled. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#backoffMs = this.#options.reconnectMinMs;
    this.#attempt();
    await this.#settling;
  }

  /** Stops trying, waits for an open or close under way, closes the port. Hears nothing more of it. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#watchPresence(null);
    await this.#settling;
    const port = this.#port;
    this.#port = null;
    this.#open = false;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (port) release(port);
  }

  #attempt(): void {
    this.#timer = null;
    if (!this.#running) return;
    let port: P;
    try {
      port = this.#options.makePort();
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.#port = port;
    // Errors a port emits outside an open or close must not become uncaught exceptions.
    port.on('error', (err: Error) => this.#events.portError(err));
    port.on('data', (chunk: Buffer) => this.#events.data(chunk));
    port.on('close', (err: Error | null) => this.#lost(port, err ? err.message : 'closed'));
    port.on('end', () => this.#lost(port, 'end of stream'));
    this.#settling = new Promise<void>((resolve) => {
      port.open((err) => {
        resolve();
        if (err) {
          if (this.#port === port) this.#port = null;
          release(port);
          this.#failed(err);
          return;
        }
        if (!this.#running || this.#port !== port) return; // stop() came meanwhile: it closes the port
        this.#backoffMs = this.#options.reconnectMinMs;
        this.#open = true;
        this.#watchPresence(port);
        this.#events.opened();
      });
    });
  }

  /** The port went away or ended: close what is left, try again. */
  #lost(port: P, why: string): void {
    if (this.#port !== port) return;
    this.#watchPresence(null);
    this.#port = null;
    const wasOpen = this.#open;
    this.#open = false;
    if (wasOpen) this.#disconnects++;
    const closed = port.isOpen
      ? new Promise<void>((resolve) => {
          try {
            port.close(() => resolve());
          } catch {
            resolve();
          }
        })
      : Promise.resolve();
    this.#settling = closed.then(() => release(port));
    this.#events.lost(why, wasOpen);
    this.#schedule();
  }

  /** While `port` is open, checks that its device is still there (options.present); null stops it. */
  #watchPresence(port: P | null): void {
    if (this.#presence) clearInterval(this.#presence);
    this.#presence = null;
    const present = this.#options.present;
    if (!port || !present) return;
    this.#presence = setInterval(() => {
      let there = true;
      try {
        there = present();
      } catch {
        // a check that cannot be made says nothing: the port's own events still count
      }
      if (!there) this.#lost(port, 'the device is gone (its path no longer exists)');
    }, this.#options.presenceCheckMs ?? 1000);
    this.#presence.unref();
  }

  #failed(err: unknown): void {
    this.#openFailures++;
    this.#events.failed(err, this.#backoffMs);
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.reconnectMaxMs);
    this.#timer = setTimeout(() => this.#attempt(), wait);
  }
}

/** Lets go of a port: no more of its events reach us, and a late error is swallowed. */
function release(port: PortLike): void {
  port.removeAllListeners();
  port.on('error', () => {});
}
