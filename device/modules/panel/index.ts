/**
 * panel (parking-panel): a parking guidance panel on a main road. Takes `parking-counts` content
 * (the fleet's occupancy engine sends the panel's rows, in the order of its `carParks` label),
 * keeps the latest in its own table (store.ts: a restarted panel has it at once, with its age),
 * decides what each row shows (rows.ts: arrow, name, count / ZASEDENO / ZAPRTO / `--`) on each
 * content and on a tick, and drives the LED sign (hardware/sign) through panel-sign.ts: the layout
 * at start, a row only when its text changes, the brightness by a day/night schedule
 * (brightness.ts).
 *
 * Never stale: counts older than `staleAfterS`, or past their `validUntil`, are shown as `--`,
 * fleet or no fleet; on a clean stop every count is blanked (bounded wait), so a dead agent does
 * not leave numbers up. Each change the sign confirms is published as the frame: kind
 * `parking-counts`, the summary `GLAZIJA ZASEDENO · CELEIAPARK 123` and the picture of the sign
 * (1 bit a LED, a set bit lit), for `tabla preview` and the fleet's frame.png.
 *
 * Status: `degraded` with the reason while the sign has a fault, there is no sign configured
 * (`hardware.sign`), no counts yet, or the counts are stale; `ok` otherwise.
 */
import type { PanelSettings } from '../../../protocols/index.js';
import { MODULE_SETTINGS, encodeFrameImage, frameImageHash } from '../../../protocols/index.js';
import type { GuidanceSign, SignPicture } from '../../../hardware/sign/sign.js';
import type { AgentContext, AgentModule } from '../../module.js';
import { scheduledBrightness } from './brightness.js';
import { PanelSign, signColumns } from './panel-sign.js';
import { BLANK_TEXT, panelSummary, planRows, rowText, type PanelPlan, type PanelRow, type StoredCounts } from './rows.js';
import { PanelStore } from './store.js';

export type { PanelPlan, PanelRow, StoredCounts } from './rows.js';

export interface PanelOptions {
  /** Wall-clock ms (default Date.now; tests step it). */
  now?: () => number;
  /** Bound on blanking the counts when the module stops (default 5 s). */
  stopTimeoutMs?: number;
}

export interface PanelModule extends AgentModule<PanelSettings, 'parking-counts'> {
  /** The latest counts and when they came, or null. */
  latest(): StoredCounts | null;
  /** The last plan (rows, staleness), or null before the first. */
  plan(): PanelPlan | null;
  /** Plans the rows now and hands what changed to the sign (what the tick does). */
  update(): void;
}

/** The width rows are laid out to without a sign (the frame's summary does not depend on it). */
const NO_SIGN_COLUMNS = 16;

export function panel(options: PanelOptions = {}): PanelModule {
  const now = options.now ?? Date.now;
  let ctx: AgentContext<PanelSettings> | null = null;
  let store: PanelStore | null = null;
  let face: PanelSign<PanelRow> | null = null;
  let latest: StoredCounts | null = null;
  let lastPlan: PanelPlan | null = null;
  let fault: string | null = null;
  let status = '';
  let published = '';
  let cancelTick: (() => void) | null = null;
  let tickS = 0;

  const report = (c: AgentContext<PanelSettings>) => {
    const p = lastPlan;
    const [s, error] = !c.drivers.sign
      ? (['degraded', 'no sign configured (hardware.sign)'] as const)
      : fault
        ? (['degraded', `sign: ${fault}`] as const)
        : !latest
          ? (['degraded', 'no parking counts yet'] as const)
          : p?.staleness.stale
            ? (['degraded', `parking counts stale: ${p.staleness.reason}`] as const)
            : (['ok'] as const);
    const key = `${s} ${error ?? ''}`;
    if (key === status) return;
    status = key;
    c.setStatus(s, error);
  };

  /** Publishes the frame when what the sign shows (or the summary of it) changed. */
  const publish = (c: AgentContext<PanelSettings>, rows: readonly PanelRow[], picture: SignPicture | null) => {
    const summary = panelSummary(rows);
    const hash = picture ? frameImageHash(picture.bits) : null;
    const key = `${hash ?? ''} ${summary}`;
    if (key === published) return;
    published = key;
    void c.publishFrame({
      kind: 'parking-counts',
      summary,
      ...(picture && hash ? { hash, image: encodeFrameImage(picture.bits, picture.width, picture.height) } : {}),
    });
  };

  const tick = (c: AgentContext<PanelSettings>) => {
    cancelTick?.();
    tickS = c.settings().tickS;
    cancelTick = c.every(tickS * 1000, () => {
      face?.check();
      update();
    });
  };

  function update(): void {
    const c = ctx;
    if (!c) return;
    const settings = c.settings();
    const t = now();
    const sign = c.drivers.sign;
    lastPlan = planRows({ stored: latest, now: t, settings, width: sign ? signColumns(sign.picture()) : NO_SIGN_COLUMNS });
    report(c);
    if (face) face.show(lastPlan.rows, scheduledBrightness(t, settings).percent);
    else publish(c, lastPlan.rows, null);
  }

  /** The rows with every value `--`: what a stopped panel leaves on the sign. */
  const blanked = (rows: readonly PanelRow[], width: number): PanelRow[] =>
    rows.map((r) => ({ ...r, value: BLANK_TEXT, text: rowText(r.arrow, r.label, BLANK_TEXT, width) }));

  return {
    name: 'panel',
    settings: MODULE_SETTINGS.panel,
    contentKinds: ['parking-counts'],
    start(c) {
      ctx = c;
      status = '';
      published = '';
      fault = null;
      lastPlan = null;
      store = new PanelStore(c.db, c.log);
      latest = store.load();
      const sign: GuidanceSign | undefined = c.drivers.sign;
      face = sign
        ? new PanelSign<PanelRow>({
            sign,
            log: c.log.child('sign'),
            onShown: (rows, picture) => publish(c, rows, picture),
            onFault: (error) => {
              fault = error;
              report(c);
            },
          })
        : null;
      update();
      tick(c);
      // Opening the port and configuring the sign may take seconds: start does not wait for it.
      void face?.open();
    },
    async stop() {
      const c = ctx;
      ctx = null;
      cancelTick?.();
      cancelTick = null;
      const f = face;
      face = null;
      if (!f) return;
      const rows = lastPlan?.rows ?? null;
      await f.close(rows && c?.drivers.sign ? blanked(rows, f.columns) : null, options.stopTimeoutMs ?? 5_000);
    },
    onContent(_kind, body) {
      const c = ctx;
      if (!c || !store) return;
      const receivedAt = now();
      store.save(body, receivedAt);
      latest = { body, receivedAt };
      update();
    },
    onSettings(section) {
      const c = ctx;
      if (!c) return;
      if (section.tickS !== tickS) tick(c);
      update();
    },
    identify() {
      ctx?.log.warn(`IDENTIFY: parking panel ${ctx.device.id}: ${panelSummary(lastPlan?.rows ?? []) || 'no rows'}`);
    },
    latest: () => latest,
    plan: () => lastPlan,
    update,
  };
}
