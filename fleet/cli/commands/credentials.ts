/**
 * `tabla credentials rotate <id>`: new credentials for a device (a replaced SD card, a lost or leaked
 * config). The old secret stops working at once; the new one is written into a fresh agent config,
 * like `tabla provision` writes, to copy to the device.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Role } from '../../../protocols/index.js';
import { enc } from '../api.js';
import type { CliContext } from '../context.js';
import type { DeviceSummary } from '../format.js';
import { examples } from '../help.js';
import { checkWritable, DEVICE_CONFIG_PATH, writeAgentConfig } from './provision.js';

export function register(program: Command, ctx: CliContext): void {
  const credentials = program
    .command('credentials')
    .description("rotate <id>: new credentials for a device; the old secret stops working")
    .addHelpText('after', examples(['tabla credentials rotate bus-01']));

  credentials
    .command('rotate')
    .description('issue a new secret and write the agent config that holds it; the old secret stops working at once')
    .argument('<id>')
    .option('-o, --out <file>', 'where to write the config (default ./<id>.agent.json)')
    .option('--data-dir-on-device <path>', 'the agent data directory on the device (default /var/lib/tabla)')
    .option('--force', 'overwrite an existing config file (the old one holds the old secret, useless after this)')
    .option('--json', 'print what was done as JSON (never the secret: that is in the file)')
    .addHelpText(
      'after',
      examples(
        ['tabla credentials rotate bus-01', 'tabla credentials rotate stop-tomsiceva -o configs/stop-tomsiceva.agent.json --force', 'tabla credentials rotate bus-01 --json'],
        `Copy the file to the device as ${DEVICE_CONFIG_PATH} and restart tabla-agent there: until then the device cannot connect.`,
      ),
    )
    .action(async (id: string, o: { out?: string; dataDirOnDevice?: string; force?: boolean; json?: boolean }) => {
      const file = path.resolve(o.out ?? `${id}.agent.json`);
      checkWritable(file, o.force); // before the rotation: a secret that cannot be written is lost
      const api = ctx.api();
      const d = await api.get<DeviceSummary>(`/api/devices/${enc(id)}`);
      const r = await api.request<{ secret: string; mqttUrl: string }>('POST', `/api/devices/${enc(id)}/credentials`);
      writeAgentConfig(ctx, file, { deviceId: d.id, role: d.role as Role, site: d.site, secret: r.secret, mqttUrl: r.mqttUrl, dataDir: o.dataDirOnDevice });
      if (o.json) return ctx.json({ id: d.id, file, mqttUrl: r.mqttUrl });
      ctx.out(
        [
          `${d.id}: new credentials; the old secret no longer works`,
          `wrote ${file} (mode 0600: it holds the new secret, shown nowhere else)`,
          `next: copy it to the device as ${DEVICE_CONFIG_PATH} and restart tabla-agent there`,
        ].join('\n'),
      );
    });
}
