/**
 * A simulated board for tests and the demo town: every reading is what was last set
 * (`board.set({ temperatureC: 71 })`), and uptime runs on from where it was set. A reading set to
 * `null` is a source the board does not have (no thermal zone, no data directory yet): the field
 * is then absent from health(), as it is on the real board.
 */
import { Health } from '../../protocols/index.js';
import type { Board } from './board.js';

export interface SimulatedBoardState {
  /** 1-minute load average divided by cores. */
  cpuLoad1: number;
  memUsedBytes: number;
  memTotalBytes: number;
  /** Free bytes under the data directory; null: the data directory is not there. */
  diskFreeBytes: number | null;
  /** SoC temperature; null: a board without a readable sensor. */
  temperatureC: number | null;
  /** Seconds since boot at the moment it was set; it runs on with the clock. */
  uptimeS: number;
  serial: string;
}

export interface SimulatedBoardOptions {
  /** Readings to start from; the rest are a quiet Raspberry Pi 4 (2 GB) just booted. */
  initial?: Partial<SimulatedBoardState>;
  /** Monotonic milliseconds that uptime runs on; `performance.now` unless a test drives it. */
  clock?: () => number;
}

const QUIET_PI: SimulatedBoardState = {
  cpuLoad1: 0.08,
  memUsedBytes: 412 * 1024 * 1024,
  memTotalBytes: 1906 * 1024 * 1024,
  diskFreeBytes: 24 * 1024 * 1024 * 1024,
  temperatureC: 44.8,
  uptimeS: 0,
  serial: 'sim-board',
};

export class SimulatedBoard implements Board {
  readonly #clock: () => number;
  #state: SimulatedBoardState;
  /** The clock's reading when uptime was last set. */
  #uptimeSetAt: number;

  constructor(options: SimulatedBoardOptions = {}) {
    this.#clock = options.clock ?? (() => performance.now());
    this.#state = checked({ ...QUIET_PI, ...options.initial });
    this.#uptimeSetAt = this.#clock();
  }

  /**
   * Change some readings; the others stay. Refuses (RangeError) a state no board could report
   * (used memory above total, a negative load, an empty serial): a test's mistake, not a reading.
   */
  set(patch: Partial<SimulatedBoardState>): void {
    const next = checked({ ...this.#state, ...withoutUndefined(patch) });
    if (patch.uptimeS !== undefined) this.#uptimeSetAt = this.#clock();
    this.#state = next;
  }

  /** The readings as last set (uptime as set, not as it has run on since). */
  get state(): Readonly<SimulatedBoardState> {
    return { ...this.#state };
  }

  health(): Health {
    const s = this.#state;
    const elapsedS = Math.max(0, this.#clock() - this.#uptimeSetAt) / 1000;
    const health: Health = {
      cpuLoad1: s.cpuLoad1,
      memUsedBytes: s.memUsedBytes,
      memTotalBytes: s.memTotalBytes,
      uptimeS: Math.floor(s.uptimeS + elapsedS),
    };
    if (s.diskFreeBytes !== null) health.diskFreeBytes = s.diskFreeBytes;
    if (s.temperatureC !== null) health.temperatureC = s.temperatureC;
    return health;
  }

  serial(): string {
    return this.#state.serial;
  }
}

function checked(state: SimulatedBoardState): SimulatedBoardState {
  const problems: string[] = [];
  const { diskFreeBytes, temperatureC, serial, ...always } = state;
  const asHealth = Health.safeParse({
    ...always,
    ...(diskFreeBytes === null ? {} : { diskFreeBytes }),
    ...(temperatureC === null ? {} : { temperatureC }),
  });
  if (!asHealth.success) problems.push(...asHealth.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  if (state.memUsedBytes > state.memTotalBytes) problems.push('memUsedBytes: above memTotalBytes');
  if (temperatureC !== null && !Number.isFinite(temperatureC)) problems.push('temperatureC: not a finite number');
  if (typeof serial !== 'string' || serial.trim() === '') problems.push('serial: empty');
  if (problems.length > 0) throw new RangeError(`simulated board: ${problems.join('; ')}`);
  return state;
}

function withoutUndefined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
