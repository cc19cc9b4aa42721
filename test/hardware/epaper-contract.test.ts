/**
 * The e-paper contract on both panels: the simulated one (the driver on the emulator, as the
 * config builds it, here on a virtual clock so that the timing bounds are exact; its real-time
 * pace is tested in epaper-simulated.test.ts) and the Waveshare driver itself over the fake
 * SPI/GPIO transport on a virtual clock (its waits take no time at all).
 */
import { epaperContract } from '../../hardware/epaper/contract.js';
import { EmulatedTransport, VirtualClock } from '../../hardware/epaper/fake-transport.js';
import { SimulatedEpaper } from '../../hardware/epaper/simulated.js';
import { WaveshareEpaper } from '../../hardware/epaper/waveshare.js';

epaperContract('simulated panel', ({ busyTimeoutMs, temperatureC }) => {
  const panel = new SimulatedEpaper({ clock: new VirtualClock(), busyTimeoutMs, temperatureC });
  return { panel, emulator: panel.emulator, transport: panel.transport, now: () => panel.transport.now() };
});

epaperContract('waveshare driver over the fake transport', ({ busyTimeoutMs, temperatureC }) => {
  const clock = new VirtualClock();
  const transport = new EmulatedTransport({ clock, temperatureC });
  const panel = new WaveshareEpaper({ open: () => transport.reopen(), busyTimeoutMs });
  return { panel, emulator: transport.emulator, transport, now: () => clock.now() };
});
