/**
 * The embedded Node-RED runtime (`@node-red/runtime` 4.1, `@node-red/util`, the core nodes of
 * `@node-red/nodes`): init, start, flows in and out, stop. Node-RED keeps its runtime in module
 * state, so one process runs one of it: a second start while one runs is refused.
 *
 * With `editor`, `@node-red/editor-api` serves the flow editor and its admin API as one Express
 * application (`editorApp`), which the fleet mounts at `/red` behind its own admin check; the
 * editor's WebSocket (`/red/comms`) comes in as upgrades the fleet hands to `upgrades`.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeRedSettings, nodeRedUserDir, type RedLogMessage } from './settings.js';

const require = createRequire(import.meta.url);

/** What we use of `@node-red/runtime`. */
interface RedRuntime {
  init(settings: Record<string, unknown>, server?: unknown, adminApi?: unknown): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  flows: {
    getFlows(opts: object): Promise<{ flows: unknown[]; rev: string }>;
    setFlows(opts: { flows: { flows: unknown[]; credentials?: object }; deploymentType?: string }): Promise<{ rev: string }>;
  };
  nodes: { getNodeList(opts: object): Promise<{ types: string[]; enabled: boolean; err?: unknown }[]> };
  events: NodeJS.EventEmitter;
  storage: unknown;
  /** the runtime's own admin Express app, where nodes add their admin routes (inject's button, …) */
  httpAdmin: ExpressApp;
}

/** What we use of an Express application: it handles a request and takes sub-applications. */
interface ExpressApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  use(app: ExpressApp): void;
}

/** What we use of `@node-red/editor-api`. */
interface RedEditorApi {
  init(settings: Record<string, unknown>, server: EventEmitter, storage: unknown, runtime: RedRuntime): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: ExpressApp | null;
}

/** The editor as the fleet mounts it: its requests (prefix taken off) and its WebSocket upgrades. */
export interface RedEditor {
  request(req: http.IncomingMessage, res: http.ServerResponse): void;
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** How long a start waits for the stored flows to run before it goes on without waiting. */
const FLOWS_START_WAIT_MS = 30_000;

/**
 * Resolves once the runtime's flows have started, or it said they will not (missing node types,
 * safe mode), or after `ms`: `runtime.start()` resolves before its flows are loaded.
 */
function flowsSettled(events: NodeJS.EventEmitter, ms: number): { done: Promise<'started' | 'stopped' | 'timeout'>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<'started' | 'stopped' | 'timeout'>((resolve) => {
    const started = () => finish('started');
    const state = (e: { id?: string; payload?: { state?: string } }) => {
      if (e?.id === 'runtime-state' && (e.payload?.state === 'stop' || e.payload?.state === 'safe')) finish('stopped');
    };
    const timer = setTimeout(() => finish('timeout'), ms);
    timer.unref();
    function finish(how: 'started' | 'stopped' | 'timeout') {
      clearTimeout(timer);
      events.off('flows:started', started);
      events.off('runtime-event', state);
      resolve(how);
    }
    cancel = () => finish('timeout');
    events.on('flows:started', started);
    events.on('runtime-event', state);
  });
  return { done, cancel };
}

let running = false;

/**
 * Where Tabla's node module is: beside this file (a checkout), or in the package's dist/node-red/
 * (built: scripts/build-node-red.mjs copies it there; this code sits in dist/ or dist/fleet/).
 */
export function tablaNodesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'nodes'), path.join(here, 'node-red'), path.resolve(here, '..', 'node-red')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'package.json')));
  if (!found) throw new Error(`Tabla's Node-RED nodes not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The secret Node-RED encrypts flow credentials with: made once, kept in the user dir (0600). */
export function credentialSecret(userDir: string): string {
  const file = path.join(userDir, 'credential-secret');
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    if (s) return s;
  } catch {
    // first start
  }
  fs.mkdirSync(userDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, secret + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secret;
}

export class EmbeddedNodeRed {
  readonly #red: RedRuntime;
  readonly #api: RedEditorApi | null;
  #started = false;
  /** The flow editor and its admin API, when started with `editor` (mounted by the fleet). */
  readonly editor: RedEditor | null;

  private constructor(red: RedRuntime, api: RedEditorApi | null, upgrades: EventEmitter) {
    this.#red = red;
    this.#api = api;
    const app = api ? red.httpAdmin : null;
    this.editor = app
      ? {
          request: (req, res) => app(req, res),
          upgrade: (req, socket, head) => {
            upgrades.emit('upgrade', req, socket, head);
          },
        }
      : null;
  }

  /**
   * Loads and starts Node-RED with its flows from `<dataDir>/node-red/flows.json`; with `editor`,
   * the editor too, for the path `editor.root` (`/red/`).
   */
  static async start(o: { dataDir: string; bridge: unknown; onLog(m: RedLogMessage): void; editor?: { root: string } }): Promise<EmbeddedNodeRed> {
    if (running) throw new Error('Node-RED runs already in this process (one fleet with Node-RED per process)');
    running = true;
    try {
      const util = require('@node-red/util') as { init(settings: object): void };
      const red = require('@node-red/runtime') as RedRuntime;
      const settings = nodeRedSettings({
        dataDir: o.dataDir,
        coreNodesDir: path.dirname(require.resolve('@node-red/nodes/package.json')),
        tablaNodesDir: tablaNodesDir(),
        credentialSecret: credentialSecret(nodeRedUserDir(o.dataDir)),
        bridge: o.bridge,
        onLog: o.onLog,
        ...(o.editor ? { editorRoot: o.editor.root } : {}),
      });
      util.init(settings);
      // The editor's "server": only the upgrades the fleet hands over (its path, an admin's) reach it.
      const upgrades = new EventEmitter();
      upgrades.on('error', () => {});
      const api = o.editor ? (require('@node-red/editor-api') as RedEditorApi) : null;
      if (api) {
        red.init(settings, upgrades, api);
        api.init(settings, upgrades, red.storage, red);
      } else {
        red.init(settings);
      }
      const settled = flowsSettled(red.events, FLOWS_START_WAIT_MS);
      try {
        await red.start();
      } catch (err) {
        settled.cancel();
        throw err;
      }
      await settled.done;
      if (api) {
        await api.start();
        // One application: the editor's admin API after the routes nodes added (inject's button, debug's switch).
        if (api.httpAdmin) red.httpAdmin.use(api.httpAdmin);
      }
      const self = new EmbeddedNodeRed(red, api, upgrades);
      self.#started = true;
      return self;
    } catch (err) {
      running = false;
      throw err;
    }
  }

  /** The node types this runtime knows (core and Tabla's), of the enabled node sets that loaded. */
  async types(): Promise<Set<string>> {
    const sets = await this.#red.nodes.getNodeList({});
    return new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
  }

  getFlows(): Promise<{ flows: unknown[]; rev: string }> {
    return this.#red.flows.getFlows({});
  }

  /** Replaces every flow (a full deploy); resolves once the new flows have started. */
  async setFlows(flows: unknown[]): Promise<{ rev: string }> {
    // setFlows resolves once the flows are saved, before their nodes run; Node-RED says
    // "runtime-deploy" when they have started (or could not: missing types, stopped flows).
    let off = () => {};
    const deployed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => off(), FLOWS_START_WAIT_MS);
      const heard = (e: { id?: string }) => void (e?.id === 'runtime-deploy' && off());
      off = () => {
        clearTimeout(timer);
        this.#red.events.off('runtime-event', heard);
        resolve();
      };
      this.#red.events.on('runtime-event', heard);
    });
    try {
      const answer = await this.#red.flows.setFlows({ flows: { flows }, deploymentType: 'full' });
      await deployed;
      return answer;
    } finally {
      off();
    }
  }

  /** Calls `listener` after each deploy (`tabla flows deploy` or the editor's Deploy); returns the unsubscribe. */
  onDeploy(listener: (revision: string) => void): () => void {
    const heard = (e: { id?: string; payload?: { revision?: unknown } }) => {
      if (e?.id === 'runtime-deploy') listener(String(e.payload?.revision ?? ''));
    };
    this.#red.events.on('runtime-event', heard);
    return () => void this.#red.events.off('runtime-event', heard);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    try {
      await this.#red.stop();
      await this.#api?.stop();
    } finally {
      running = false;
    }
  }
}
