/**
 * `tabla broker export-mosquitto <dir>`: passwd, acl and tabla.conf to run the fleet on an external
 * Mosquitto 2.x with the same rules as the embedded broker.
 */
import type { Command } from 'commander';
import { writeMosquittoFiles, type MosquittoFiles } from '../../mosquitto.js';
import type { FleetApi } from '../api.js';
import { hostPort } from '../args.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';

type Listener = { host: string; port: number };

export function register(program: Command, ctx: CliContext): void {
  const broker = program
    .command('broker')
    .description('export-mosquitto <dir> [--listener host:port]: files to run the fleet on an external Mosquitto')
    .addHelpText('after', examples(['tabla broker export-mosquitto ./mosquitto --listener 0.0.0.0:1883']));

  broker
    .command('export-mosquitto')
    .description('write passwd, acl and tabla.conf for Mosquitto 2.x with the same rules as the embedded broker')
    .argument('<dir>')
    .option('--listener <host:port>', 'the listener line of tabla.conf', hostPort)
    .option('--json', 'print the paths written as JSON: {passwd, acl, conf}')
    .addHelpText(
      'after',
      examples(
        ['tabla broker export-mosquitto ./mosquitto', 'tabla broker export-mosquitto /etc/mosquitto/tabla --listener 0.0.0.0:1883 --json'],
        'Export again after provisioning a device or rotating its secret: passwd lists the devices known now.',
      ),
    )
    .action((dir: string, o: { listener?: Listener; json?: boolean }) => exportMosquitto(dir, o, ctx.api(), ctx));
}

async function exportMosquitto(dir: string, o: { listener?: Listener; json?: boolean }, api: FleetApi, ctx: CliContext) {
  const files = await api.get<MosquittoFiles>('/api/broker/mosquitto');
  const paths = writeMosquittoFiles(dir, files, o.listener);
  if (o.json) return ctx.json(paths);
  ctx.out(
    [
      `wrote ${paths.passwd} (mode 0600)`,
      `wrote ${paths.acl}`,
      `wrote ${paths.conf}`,
      `run: mosquitto -c ${paths.conf}`,
      `then start the fleet against it: tabla-fleet --mqtt-url mqtt://<host>:<port>`,
      'export again after provisioning a device or rotating its secret: passwd lists the devices known now.',
    ].join('\n'),
  );
}
