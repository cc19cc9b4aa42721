/**
 * The engines a fleet runs. A new engine goes in `fleet/engines/<name>/` and one line here; a heavy
 * one (a dashboard, Node-RED) as `lazy(() => import('./<name>/index.js'))`, so the fleet loads it
 * only when it starts it.
 */
import type { FleetEngine } from './engine.js';
import { gtfsEngine } from './gtfs/index.js';
import { gtfsRtEngine } from './gtfs-rt/index.js';
import { streamsEngine } from './streams/index.js';

/** An engine whose code is imported only when it starts. */
export function lazy(name: string, load: () => Promise<{ default: () => FleetEngine }>): FleetEngine {
  let engine: FleetEngine | null = null;
  return {
    name,
    async start(ctx) {
      engine = (await load()).default();
      await engine.start(ctx);
    },
    async stop() {
      await engine?.stop?.();
    },
  };
}

export function defaultEngines(): FleetEngine[] {
  return [streamsEngine(), gtfsRtEngine(), ...(process.env.TABLA_GTFS ? [gtfsEngine({ path: process.env.TABLA_GTFS })] : [])];
}
