/**
 * `tabla cmd <id> <verb>`: sends a command to a device and, with --wait, polls until it reaches a
 * final status; exit 1 unless it succeeded.
 */
import type { Command } from 'commander';
import { FINAL_STATUSES, type CommandRecord } from '../../commands.js';
import { enc, type FleetApi } from '../api.js';
import { jsonObject, positiveInt, positiveNumber } from '../args.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { commandLine } from '../format.js';

const POLL_MS = 250;

interface CommandOptions {
  args?: Record<string, unknown>;
  ttl?: number;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('cmd')
    .description('send a command (ping, identify, rebirth, restart, set-log-level, …)')
    .argument('<id>', 'device id')
    .argument('<verb>', 'command verb')
    .option('--args <json>', 'arguments as a JSON object', jsonObject)
    .option('--ttl <seconds>', 'drop the command if not delivered within this time (default 900)', positiveInt)
    .option('--wait', 'wait for the final status; exit 1 unless it succeeded')
    .option('--timeout <seconds>', 'how long --wait waits', positiveNumber, 30)
    .option('--json', 'print the command record as JSON')
    .action((id: string, verb: string, o: CommandOptions) => sendCommand(id, verb, o, ctx.api(), ctx));
}

const isFinal = (status: string) => (FINAL_STATUSES as readonly string[]).includes(status);

async function sendCommand(id: string, verb: string, o: CommandOptions, api: FleetApi, ctx: CliContext) {
  let c = await api.request<CommandRecord>('POST', `/api/devices/${enc(id)}/commands`, {
    verb,
    args: o.args ?? {},
    ...(o.ttl ? { ttlS: o.ttl } : {}),
  });
  if (o.wait) {
    const deadline = Date.now() + o.timeout * 1000;
    while (!isFinal(c.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
      c = await api.get<CommandRecord>(`/api/devices/${enc(id)}/commands/${enc(c.cmdId)}`);
    }
  }
  if (o.json) ctx.json(c);
  else {
    const lines = [commandLine(c)];
    if (c.result !== undefined) lines.push(`result: ${JSON.stringify(c.result)}`);
    if (c.error) lines.push(`error: ${c.error}`);
    if (!o.wait) lines.push(`(tabla device ${id} shows its progress; --wait waits for the answer)`);
    ctx.out(lines.join('\n'));
  }
  if (!o.wait || c.status === 'succeeded') return;
  if (!isFinal(c.status)) throw new Failure(`${verb} on ${id}: still ${c.status} after ${o.timeout} s`);
  throw new Failure(`${verb} on ${id}: ${c.status}${c.error ? `: ${c.error}` : ''}`);
}
