/**
 * The simulated guidance sign of the demo town: the real Alpha driver (alpha.ts) on an emulated
 * sign's in-memory port (emulator.ts), so every byte the agent would send a sign is still encoded,
 * checked and answered. What the sign shows can be saved as a PNG after each change.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../protocols/index.js';
import { AlphaSign } from './alpha.js';
import { SignEmulator, type MemorySignPort } from './emulator.js';
import type { SignPicture } from './render.js';
import type { GuidanceSign, SignHealth, SignLayout } from './sign.js';

export interface SimulatedSignOptions {
  columns?: number;
  lines?: number;
  /** Whether the emulated sign answers ACK/NAK (default true). */
  acks?: boolean;
  /** Where to save what the sign shows after each change (temp file + rename). */
  png?: string;
  log?: Logger;
  /** Timing of the driver (tests make it quicker). */
  ackTimeoutMs?: number;
  responseTimeoutMs?: number;
  retryDelayMs?: number;
  checkIntervalMs?: number;
}

export class SimulatedSign implements GuidanceSign {
  readonly emulator: SignEmulator;
  readonly #driver: AlphaSign;
  readonly #png: string | undefined;
  readonly #log: Logger | undefined;
  #port: MemorySignPort | null = null;
  #offChange: (() => void) | null = null;

  constructor(options: SimulatedSignOptions = {}) {
    const columns = options.columns ?? 16;
    const lines = options.lines ?? 2;
    this.emulator = new SignEmulator({ columns, lines, acks: options.acks ?? true });
    this.#png = options.png;
    this.#log = options.log;
    this.#driver = new AlphaSign({
      path: '/dev/ttySIGN0',
      columns,
      lines,
      ackTimeoutMs: options.ackTimeoutMs ?? 300,
      responseTimeoutMs: options.responseTimeoutMs ?? 300,
      retryDelayMs: options.retryDelayMs ?? 50,
      checkIntervalMs: options.checkIntervalMs ?? 60_000,
      reconnectMinMs: 50,
      reconnectMaxMs: 1000,
      openPort: () => (this.#port = this.emulator.port()),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** The in-memory port the driver has open now (null before start). */
  get port(): MemorySignPort | null {
    return this.#port;
  }

  async start(): Promise<void> {
    if (this.#png && !this.#offChange) this.#offChange = this.emulator.onChange(() => this.#save());
    await this.#driver.start();
  }

  async stop(): Promise<void> {
    this.#offChange?.();
    this.#offChange = null;
    await this.#driver.stop();
  }

  configure(layout: SignLayout): Promise<void> {
    return this.#driver.configure(layout);
  }

  writeString(label: string, text: string): Promise<void> {
    return this.#driver.writeString(label, text);
  }

  setBrightness(percent: number): Promise<void> {
    return this.#driver.setBrightness(percent);
  }

  health(): SignHealth {
    return this.#driver.health();
  }

  picture(): SignPicture {
    return this.#driver.picture();
  }

  /** What the emulated sign itself shows (not what the driver believes). */
  render(): { lines: string[]; png: Buffer } {
    return this.emulator.render();
  }

  #save(): void {
    const file = this.#png!;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, this.emulator.render().png);
      fs.renameSync(tmp, file);
    } catch (err) {
      this.#log?.warn('cannot save the sign picture', { file, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
