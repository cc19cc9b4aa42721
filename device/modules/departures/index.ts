/**
 * departures (stop-display): the stop display. Takes `arrival-board`, `stop-timetable`,
 * `service-messages` and `bike-stations` content, keeps the latest of each in its own tables (store.ts: a restarted
 * display has them at once, link or no link), plans the screen on each (plan.ts) and on a tick
 * (departures leave, minutes pass, live times go stale), and — with an e-paper panel — draws it
 * (device/render) and refreshes the glass as the policy allows (refresh.ts, glass.ts), reporting
 * each refresh as its frame (summary, image, hash of the bits) and the counts in the heartbeat.
 *
 * Without a panel it is the data module it was: the latest board reported as its frame (summary,
 * hash of the board).
 *
 * With a button, a press reads the planned screen aloud (talk.ts); its counts go with the display's.
 */
import type { ArrivalBoard, BikeStations, ContentBody, DeparturesSettings, ServiceMessage, StopTimetable } from '../../../protocols/index.js';
import { MODULE_SETTINGS, encodeFrameImage, frameImageHash } from '../../../protocols/index.js';
import type { Frame1bpp, PanelWindow } from '../../../hardware/epaper/epaper.js';
import { changedBands, renderScreen } from '../../render/index.js';
import type { AgentContext, AgentModule, DisplayStats } from '../../module.js';
import { Glass } from './glass.js';
import { outOfServiceScreen, planScreen, type Plan, type StoredBoard } from './plan.js';
import type { Screen } from './screen.js';
import { DeparturesStore } from './store.js';
import { boardHash, boardSummary, screenSummary } from './summary.js';
import { startTalk, type Talk, type TalkStats } from './talk.js';

export type { StoredBoard } from './plan.js';

type Kinds = 'arrival-board' | 'stop-timetable' | 'service-messages' | 'bike-stations';

export interface DeparturesOptions {
  /** Screen → frame (default device/render's `renderScreen`). */
  render?: (screen: Screen) => Frame1bpp;
  /** Where two frames differ (default device/render's `changedBands`). */
  changedBands?: (a: Frame1bpp, b: Frame1bpp) => PanelWindow[];
  /** Wall-clock ms (default Date.now; tests step it). */
  now?: () => number;
  /** Bound on showing the out-of-service screen when the module stops (default 20 s: a full refresh takes ~4 s). */
  stopTimeoutMs?: number;
}

export interface DeparturesModule extends AgentModule<DeparturesSettings, Kinds> {
  /** The latest arrival board and when it came, or null. */
  latest(): StoredBoard | null;
  /** The last plan (screen, live, quiet), or null before the first. */
  plan(): Plan | null;
  /** Plans now and, with a panel, lets the glass follow; resolves when it has (what the tick does). */
  update(): Promise<void>;
}

export function departures(options: DeparturesOptions = {}): DeparturesModule {
  const now = options.now ?? Date.now;
  let ctx: AgentContext<DeparturesSettings> | null = null;
  let store: DeparturesStore | null = null;
  let glass: Glass | null = null;
  let latest: StoredBoard | null = null;
  let timetable: StopTimetable | null = null;
  let messages: ServiceMessage[] = [];
  let bikes: BikeStations | null = null;
  let lastUpAt: number | null = null;
  let fault: string | null = null;
  let lastPlan: Plan | null = null;
  let status = '';
  let cancelTick: (() => void) | null = null;
  let tickS = 0;
  let talk: Talk | null = null;
  let shownStats: DisplayStats | null = null;
  let talkStats: TalkStats | null = null;
  /** The glass's counts with the talking button's (without a panel, the button's are in the log only). */
  const showStats = (c: AgentContext<DeparturesSettings>) => {
    if (!shownStats) return;
    const stats = lastPlan ? { ...shownStats, live: lastPlan.live } : shownStats;
    c.setDisplayStats(talkStats ? { ...stats, talk: talkStats } : stats);
  };

  const showBoard = (c: AgentContext<DeparturesSettings>, board: ArrivalBoard) =>
    void c.publishFrame({ kind: 'arrival-board', summary: boardSummary(board, c.settings().timeZone), hash: boardHash(board) });

  const report = (c: AgentContext<DeparturesSettings>) => {
    const [s, error] = fault ? (['degraded', `panel: ${fault}`] as const) : latest ? (['ok'] as const) : (['degraded', 'no arrival board yet'] as const);
    const key = `${s} ${error ?? ''}`;
    if (key === status) return;
    status = key;
    c.setStatus(s, error);
  };

  const tick = (c: AgentContext<DeparturesSettings>) => {
    cancelTick?.();
    tickS = c.settings().tickS;
    cancelTick = c.every(tickS * 1000, () => update());
  };

  async function update(): Promise<void> {
    const c = ctx;
    if (!c) return;
    const t = now();
    const up = c.fleetOnline();
    if (up) lastUpAt = t;
    const wasLive = lastPlan?.live;
    lastPlan = planScreen({ now: t, board: latest, timetable, messages, bikes, link: { up, lastUpAt }, settings: c.settings() });
    report(c);
    if (lastPlan.live !== wasLive) showStats(c); // the heartbeat says when it falls back to its timetable
    if (glass) await glass.offer(lastPlan.screen, lastPlan.quiet);
  }

  return {
    name: 'departures',
    settings: MODULE_SETTINGS.departures,
    contentKinds: ['arrival-board', 'stop-timetable', 'service-messages', 'bike-stations'],
    start(c) {
      ctx = c;
      status = '';
      fault = null;
      lastPlan = null;
      shownStats = talkStats = null;
      store = new DeparturesStore(c.db, c.log);
      const board = store.load('arrival-board');
      latest = board && { board: board.body, receivedAt: board.receivedAt };
      timetable = store.load('stop-timetable')?.body ?? null;
      messages = store.load('service-messages')?.body.messages ?? [];
      bikes = store.load('bike-stations')?.body ?? null;
      const panel = c.drivers.epaper;
      glass = panel
        ? new Glass({
            panel,
            render: options.render ?? ((screen) => renderScreen(screen)),
            bands: options.changedBands ?? ((a, b) => changedBands(a, b)),
            now,
            settings: () => c.settings(),
            log: c.log,
            onShown: (screen, bits) => {
              void c.publishFrame({
                kind: 'arrival-board',
                summary: screenSummary(screen),
                hash: frameImageHash(bits),
                image: encodeFrameImage(bits, panel.width, panel.height),
              });
            },
            onStats: (stats) => {
              shownStats = stats;
              showStats(c);
            },
            onFault: (error) => {
              fault = error;
              report(c);
            },
          })
        : null;
      const button = c.drivers.button;
      const onTalkStats = (stats: TalkStats) => {
        talkStats = stats;
        showStats(c);
      };
      talk = button ? startTalk({ button, audio: c.drivers.audio, screen: () => lastPlan?.screen ?? null, log: c.log.child('talk'), onStats: onTalkStats }) : null;
      report(c);
      if (!glass && latest) showBoard(c, latest.board);
      tick(c);
      // The first picture without waiting a tick (a full refresh takes seconds: start does not wait for it).
      if (glass) update().catch((err) => c.log.warn('first screen not shown', { error: (err as Error).message }));
    },
    async stop() {
      const c = ctx;
      ctx = null;
      cancelTick?.();
      cancelTick = null;
      const t = talk;
      talk = null;
      await t?.stop(); // never rejects; before the out-of-service screen
      const g = glass;
      glass = null;
      if (g && c) {
        const s = c.settings();
        await g.close(outOfServiceScreen(latest?.board.stop ?? timetable?.stop ?? null, s.outOfServiceDetail ?? null), options.stopTimeoutMs ?? 20_000);
      }
    },
    async onContent(kind, body) {
      const c = ctx;
      if (!c || !store) return;
      const receivedAt = now();
      store.save(kind, body as ContentBody<typeof kind>, receivedAt);
      if (kind === 'arrival-board') {
        latest = { board: body, receivedAt };
        if (!glass) showBoard(c, body);
      } else if (kind === 'stop-timetable') timetable = body;
      else if (kind === 'service-messages') messages = body.messages;
      else bikes = body;
      await update();
    },
    async onSettings(section) {
      const c = ctx;
      if (!c) return;
      if (!glass && latest) showBoard(c, latest.board); // the summary's times follow the time zone
      if (section.tickS !== tickS) tick(c);
      await update();
    },
    identify() {
      ctx?.log.warn(`IDENTIFY: departures of ${latest?.board.stop ?? 'no stop yet'} (${ctx.device.id})`);
    },
    latest: () => latest,
    plan: () => lastPlan,
    update,
  };
}
