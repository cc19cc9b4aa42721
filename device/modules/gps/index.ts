/**
 * gps (bus): the receiver's fixes (hardware/gnss/) as `gps` records, thinned by GpsSampler — one
 * a second while the bus moves, one per `parkedIntervalS` while it stands, both edges at once. The
 * verb `gps-status` gives the last fix and the receiver's counts (sentences, rejected by reason,
 * noise); the module is degraded while the receiver is disconnected or has had no fix for 30 s.
 */
import type { GnssFix, GpsSettings } from '../../../protocols/index.js';
import { MODULE_SETTINGS } from '../../../protocols/index.js';
import type { AgentContext, AgentModule } from '../../module.js';
import { GpsSampler } from './sampler.js';

const NO_FIX_S = 30;

export function gps(): AgentModule<GpsSettings> {
  let receiver: { stop(): Promise<void> } | null = null;
  let sampler: GpsSampler | null = null;
  return {
    name: 'gps',
    settings: MODULE_SETTINGS.gps,
    start(ctx: AgentContext<GpsSettings>) {
      const gnss = ctx.drivers.gnss;
      if (!gnss) {
        ctx.setStatus('degraded', 'no GNSS receiver configured (hardware.gnss)');
        return;
      }
      const thinner = new GpsSampler(ctx.settings());
      sampler = thinner;
      let last: GnssFix | null = null;
      let lastAt = 0;
      const unsubscribe = gnss.onFix((fix) => {
        last = fix;
        lastAt = performance.now();
        const time = Date.parse(fix.time);
        if (!thinner.take({ time, lat: fix.lat, lon: fix.lon, speed: fix.speed })) return;
        ctx
          .record(
            'gps',
            {
              time,
              lat: fix.lat,
              lon: fix.lon,
              speed: fix.speed ?? 0,
              course: fix.course !== undefined && fix.course < 360 ? fix.course : 0,
              fix: fix.fix,
              ...(fix.hdop !== undefined ? { hdop: fix.hdop } : {}),
              ...(fix.sats !== undefined ? { sats: Math.min(99, fix.sats) } : {}),
            },
            time,
          )
          .catch((err: Error) => ctx.log.warn('gps record refused', { error: err.message }));
      });
      ctx.signal.addEventListener('abort', () => unsubscribe(), { once: true });
      ctx.every(5000, () => {
        const s = gnss.stats();
        if (!s.connected) ctx.setStatus('degraded', 'receiver disconnected');
        else if (performance.now() - lastAt > NO_FIX_S * 1000) ctx.setStatus('degraded', `no fix for ${NO_FIX_S} s`);
        else ctx.setStatus('ok');
      });
      ctx.commands.register('gps-status', () => ({ last, moving: thinner.moving, receiver: gnss.stats() }));
      receiver = gnss;
      return gnss.start();
    },
    onSettings(section) {
      if (sampler) sampler.settings = section;
    },
    async stop() {
      await receiver?.stop();
      receiver = null;
      sampler = null;
    },
  };
}
