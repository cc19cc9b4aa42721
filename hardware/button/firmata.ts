/**
 * A push button on a sensor board's pin, read over Firmata (an Arduino running StandardFirmata on a
 * serial port) through johnny-five. The board is a FirmataSession (hardware/firmata/session.ts:
 * port, handshake, the pin made a digital input, its first reading, every change after, the board
 * opened again when lost), with the button as its one pin; this file adds what a button needs
 * around it.
 *
 * A board that is not there or never answers fails start() within `connectTimeoutMs`. Once
 * started, a board that goes away puts the button in fault, and the board is opened again with
 * backoff (`reconnectMinMs`, doubling, at most `reconnectMaxMs`); its first reading clears the fault.
 *
 * Seams for tests: `openPort` (the Firmata emulator's in-memory port), `io` (mock-firmata).
 */
import type { Logger } from '../../protocols/index.js';
import { checkFirmataBoard, FirmataSession, type FirmataBoardOptions } from '../firmata/session.js';
import type { ButtonOptions } from './button.js';
import { LineButton, type ButtonLine, type ButtonSink } from './line.js';

export interface FirmataButtonOptions extends FirmataBoardOptions {
  /** The board's digital pin the button is on. */
  pin: number;
  /** The pin's level while the button is held: 'low' (to ground, with the pull-up; the default) or 'high'. */
  pressedWhen?: 'low' | 'high';
  /** Turns on the board's pull-up on the pin (a button to ground needs one). Default true. */
  pullUp?: boolean;
}

class FirmataButtonLine implements ButtonLine {
  readonly #pin: number;
  readonly session: FirmataSession;

  constructor(options: FirmataButtonOptions, log: Logger | undefined) {
    this.#pin = options.pin;
    this.session = new FirmataSession(
      {
        ...options,
        pins: [{ pin: options.pin, label: 'the button' }],
        activeLevel: (options.pressedWhen ?? 'low') === 'low' ? 0 : 1,
        pullUp: options.pullUp ?? true,
      },
      log,
    );
  }

  async open(sink: ButtonSink): Promise<boolean> {
    const levels = await this.session.open({
      reading: (_pin, pressed) => sink.level(pressed),
      lost: (fault) => sink.error(fault),
      // Clears the fault; a button held meanwhile is a change as of now.
      back: (now) => sink.level(now.get(this.#pin) ?? false),
    });
    return levels.get(this.#pin) ?? false;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

export class FirmataButton extends LineButton {
  readonly #session: FirmataSession;

  constructor(config: FirmataButtonOptions & ButtonOptions) {
    const what = 'firmata button';
    checkFirmataBoard(what, config, [config.pin]);
    const line = new FirmataButtonLine({ ...config }, config.log);
    super(line, config, what);
    this.#session = line.session;
  }

  /** True while the board is connected and reporting. */
  get connected(): boolean {
    return this.#session.connected;
  }

  /** Times a connected board went away, since creation. */
  get disconnects(): number {
    return this.#session.disconnects;
  }

  /** Opens that failed (at start or reconnecting), since creation. */
  get openFailures(): number {
    return this.#session.openFailures;
  }
}
