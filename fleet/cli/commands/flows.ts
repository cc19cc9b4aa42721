/**
 * `tabla flows`: the fleet's Node-RED flows (the node-red engine, enabled by TABLA_NODE_RED=1).
 *
 *   tabla flows deploy <flows.json>        replace every flow with the file's (as Node-RED exports them)
 *   tabla flows export [-o <file>]         the flows in force, as JSON Node-RED imports
 *
 * A file that cannot be read or is not a JSON array of nodes exits 2 before the fleet is asked; a
 * flow the fleet refuses (a node type it does not have) exits 1 with its reason, and nothing is
 * deployed then.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { ApiFailure, type FleetApi } from '../api.js';
import type { CliContext } from '../context.js';
import { Failure } from '../errors.js';
import { examples } from '../help.js';

/** A flows file: a JSON array of nodes, or `{flows: [...]}` (read now, so a bad file is a usage error). */
export function flowsFile(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${file} is not JSON (${(err as Error).message})`);
  }
  const flows = Array.isArray(value) ? value : (value as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(flows)) throw new InvalidArgumentError(`${file}: not a flows export (a JSON array of nodes, [{"id": …, "type": …}, …])`);
  return flows;
}

/** A 404 on /api/flows: the fleet runs without Node-RED. */
async function flowsApi<T>(api: FleetApi, method: string, body?: unknown): Promise<T> {
  try {
    return await api.request<T>(method, '/api/flows', body);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) throw new Failure('this fleet runs without Node-RED (start it with tabla-fleet --node-red, or TABLA_NODE_RED=1)');
    throw err;
  }
}

export function register(program: Command, ctx: CliContext): void {
  const flows = program
    .command('flows')
    .description("the fleet's Node-RED flows: deploy a file, export what runs")
    .addHelpText(
      'after',
      examples(
        ['tabla flows export -o flows.json', 'tabla flows deploy flows.json'],
        "Node-RED runs in a fleet started with --node-red (TABLA_NODE_RED=1); its editor is at <fleet URL>/red/ (log in on the dashboard).",
      ),
    );

  flows
    .command('deploy')
    .description('replace every flow with those of a file (a Node-RED export)')
    .argument('<flows.json>', 'the flows, as Node-RED exports them', flowsFile)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['tabla flows deploy flows.json', 'tabla flows deploy flows.json --json'], 'Needs a fleet started with --node-red (TABLA_NODE_RED=1).'))
    .action(async (nodes: unknown[], o: { json?: boolean }) => {
      const answer = await flowsApi<{ rev: string; nodes: number }>(ctx.api(), 'PUT', nodes);
      if (o.json) return ctx.json(answer);
      ctx.out(`deployed ${answer.nodes} node${answer.nodes === 1 ? '' : 's'} (rev ${answer.rev})`);
    });

  flows
    .command('export')
    .description('the flows in force, as JSON Node-RED imports')
    .option('-o, --output <file>', 'write them to this file (default: stdout)')
    .addHelpText('after', examples(['tabla flows export', 'tabla flows export -o flows.json'], 'The output is JSON already: a Node-RED flows export.'))
    .action(async (o: { output?: string }) => {
      const answer = await flowsApi<{ rev: string; flows: unknown[] }>(ctx.api(), 'GET');
      const text = JSON.stringify(answer.flows, null, 2) + '\n';
      if (!o.output) return ctx.out(text);
      const tmp = path.join(path.dirname(o.output), `.${path.basename(o.output)}.${process.pid}.tmp`);
      try {
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, o.output);
      } catch (err) {
        throw new Failure(`cannot write ${o.output} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      process.stderr.write(`${answer.flows.length} nodes (rev ${answer.rev}) written to ${o.output}\n`);
    });
}
