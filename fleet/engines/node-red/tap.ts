/**
 * What the fleet needs of the node-red engine before it loads it: whether it is enabled
 * (`TABLA_NODE_RED=1`), and the tap on the ETA engine's boards. Imports nothing of Node-RED, so the
 * fleet loads Node-RED only when the engine starts (engines/index.ts `lazy`).
 *
 * The ETA engine sends each stop display its board (`arrival-board` content) when what a passenger
 * sees changes; there is no bus event for it. `BoardTap.wrap(engine)` gives that engine a context
 * whose `publishContent` also reports each board that was sent, to the tap's listeners.
 */
import type { ArrivalBoard } from '../../../protocols/index.js';
import type { EngineContext, FleetEngine } from '../engine.js';

/** Whether the fleet runs Node-RED: `TABLA_NODE_RED` set to 1, true, yes or on. */
export function nodeRedEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.TABLA_NODE_RED?.trim() ?? '');
}

/** A board a stop display was sent. */
export interface BoardSent {
  deviceId: string;
  /** the display's `stop` label, or null */
  stopId: string | null;
  board: ArrivalBoard;
}

export class BoardTap {
  readonly #listeners = new Set<(e: BoardSent) => void>();

  /** Listens to boards sent; returns the unsubscribe. A listener's throw is its own (see `report`). */
  listen(listener: (e: BoardSent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The same engine, its boards reported to the listeners after they are sent. */
  wrap<E extends FleetEngine>(engine: E): E {
    const start = (ctx: EngineContext) =>
      engine.start({
        ...ctx,
        publishContent: (deviceId, kind, body) => {
          const sent = ctx.publishContent(deviceId, kind, body);
          if (sent && kind === 'arrival-board') this.#report(ctx, { deviceId, stopId: ctx.devices.get(deviceId)?.labels.stop ?? null, board: body as ArrivalBoard });
          return sent;
        },
      });
    return Object.assign(Object.create(Object.getPrototypeOf(engine) as object) as E, engine, { start });
  }

  #report(ctx: EngineContext, e: BoardSent): void {
    for (const listener of this.#listeners) {
      try {
        listener(e);
      } catch (err) {
        ctx.log.error('board listener failed', { device: e.deviceId, error: (err as Error).message });
      }
    }
  }
}
