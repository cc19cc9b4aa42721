/**
 * The engines a fleet runs. A new engine goes in `fleet/engines/<name>/` and one line here; a heavy
 * one (a dashboard, Node-RED) as `lazy(() => import('./<name>/index.js'))`, so the fleet loads it
 * only when it starts it.
 */
import type { FleetEngine } from './engine.js';
import { Timetables, gtfsEngine } from './gtfs/index.js';
import { displaysEngine } from './displays/index.js';
import { etaEngine } from './eta/index.js';
import { gtfsRtEngine } from './gtfs-rt/index.js';
import { occupancyEngine } from './occupancy/index.js';
import { kioskEngine } from './kiosk/index.js';
import { logsEngine } from './logs/index.js';
import { streamsEngine } from './streams/index.js';
import { BoardTap, nodeRedEnabled } from './node-red/tap.js';
import { alertsEngine } from './alerts/index.js';
import { bikesEngine } from './bikes/index.js';

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

/**
 * The engines of one fleet, sharing one `Timetables` (the sites' GTFS feeds): the gtfs engine
 * fills it, and an engine that reads it is given the same one here.
 */
export function defaultEngines(timetables = new Timetables(), options: { nodeRed?: boolean } = {}): FleetEngine[] {
  const env = process.env;
  // Node-RED (TABLA_NODE_RED=1): hears the boards the ETA engine sends through a tap on it.
  const boards = (options.nodeRed ?? nodeRedEnabled(env)) ? new BoardTap() : null;
  const eta = boards ? boards.wrap(etaEngine({ timetables })) : etaEngine({ timetables });
  const occupancy = occupancyEngine();
  const bikes = bikesEngine({ timetables, ...(env.TABLA_GBFS ? { sources: env.TABLA_GBFS } : {}) });
  return [
    streamsEngine(),
    logsEngine(),
    eta,
    gtfsRtEngine({ eta: eta.live }),
    gtfsEngine({ timetables, ...(env.TABLA_GTFS ? { path: env.TABLA_GTFS } : {}), ...(env.TABLA_GTFS_SITE ? { site: env.TABLA_GTFS_SITE } : {}) }),
    // After gtfs: the stored feeds are loaded by then, so a fleet's start is no feed change to resend.
    displaysEngine({ timetables }),
    // Before kiosk: the car parks' statuses are there when it starts.
    occupancy,
    // After displays: its messages table is there for the panels' notices.
    kioskEngine({ timetables, eta: eta.live, carParks: () => occupancy.statuses(), bikes: (id) => bikes.near(id) }),
    // It reads only what devices report (presence, heartbeats), never another engine.
    alertsEngine(),
    // Bike share (GBFS, TABLA_GBFS): nearby stations for stop displays, from the shared timetables' stops.
    bikes,
    lazy('dashboard', async () => {
      const { dashboardEngine } = await import('./dashboard/index.js');
      return { default: () => dashboardEngine({ timetables }) };
    }),
    // Node-RED last: the engines whose events its flows hear are running when it starts.
    ...(boards ? [lazy('node-red', async () => ({ default: (await import('./node-red/index.js')).nodeRedEngine.bind(null, { boards }) }))] : []),
  ];
}
