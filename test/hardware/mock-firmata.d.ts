/** The little of mock-firmata 0.2 the Firmata door tests use (the package ships no types). */
declare module 'mock-firmata' {
  import { EventEmitter } from 'node:events';
  import type { IoPin } from 'johnny-five';

  /** An IO plugin with an Uno's pins (board-io underneath) whose reads and writes do nothing. */
  export class Firmata extends EventEmitter {
    constructor(options?: { pins?: IoPin[] });
    readonly isReady: boolean;
    readonly MODES: Readonly<Record<string, number>>;
    readonly pins: readonly IoPin[];
    name: string;
    pinMode(pin: number, mode: number): void;
    digitalRead(pin: number, callback: (value: number) => void): void;
  }
}
