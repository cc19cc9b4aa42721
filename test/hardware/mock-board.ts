/**
 * mock-firmata as a board whose pins a test drives, for the Firmata driver tests (doors, button).
 * Like firmata.js, digitalRead listens for "digital-read-N", and the board reports the pin as soon
 * as reporting is on (StandardFirmata 2.5). mock-firmata's pins have no PULLUP mode.
 */
import { Firmata as MockFirmata } from 'mock-firmata';

export class MockBoard extends MockFirmata {
  readonly modes = new Map<number, number>();

  /**
   * `levels`: the pins' levels, kept by the test across boards (the wires stay as they are); a pin
   * not in it reads 1. `answers: false` is a board that never says it is ready.
   */
  constructor(
    readonly levels: Map<number, 0 | 1>,
    answers = true,
  ) {
    super();
    if (answers) {
      setImmediate(() => {
        this.emit('connect');
        this.emit('ready');
      });
    }
  }

  override pinMode(pin: number, mode: number): void {
    this.modes.set(pin, mode);
  }

  override digitalRead(pin: number, callback: (value: number) => void): void {
    this.on(`digital-read-${pin}`, callback);
    setImmediate(() => this.emit(`digital-read-${pin}`, this.levels.get(pin) ?? 1));
  }

  /** Sets the pin's level and reports it, as a change on the wire. */
  drive(pin: number, level: 0 | 1): void {
    this.levels.set(pin, level);
    this.emit(`digital-read-${pin}`, level);
  }

  /** Pin readers still listening. */
  watchers(): number {
    return this.pins.reduce((n, _, pin) => n + this.listenerCount(`digital-read-${pin}`), 0);
  }
}
