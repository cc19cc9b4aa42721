/**
 * One step of the plan (plan.ts) on the wire and how it is confirmed: by the sign's ACK when it
 * gives one, else by reading the file back (B TEXT, F `$` memory configuration, H STRING). The
 * Alpha driver (alpha.ts) decides what to do with the outcome: go on, try again, or look for a
 * sign that rebooted.
 */
import {
  brightnessCommand,
  latin1,
  memoryConfigCommand,
  parseMemoryConfig,
  readMemoryConfigCommand,
  readStringCommand,
  readTextCommand,
  sameMemoryConfig,
  writeStringCommand,
  writeTextCommand,
} from '../../protocols/alpha/index.js';
import type { SignExchange } from './exchange.js';
import type { SignStep } from './plan.js';

/** How a step went: confirmed, refused (NAK), read back different, or no answer. */
export type Outcome = 'ok' | 'nak' | 'mismatch' | 'timeout';

/** Reads the sign's memory configuration (the F `$` answer, parsed). */
export async function readMemoryConfig(exchange: SignExchange): Promise<'timeout' | 'nak' | ReturnType<typeof parseMemoryConfig>> {
  const answer = await exchange.read(readMemoryConfigCommand(), (c) => c.code === 'E' && c.data[0] === 0x24);
  if (answer === 'timeout' || answer === 'nak') return answer;
  return parseMemoryConfig(answer.data);
}

/** Sends a step and confirms it: by ACK, else by reading it back (`readingBack` is called for each read-back). */
export async function confirmStep(exchange: SignExchange, step: SignStep, readingBack: () => void): Promise<Outcome> {
  const command =
    step.kind === 'memory' ? memoryConfigCommand(step.files) : step.kind === 'layout' ? writeTextCommand(step.label, step.data) : step.kind === 'string' ? writeStringCommand(step.label, step.text) : brightnessCommand(step.level);
  const answer = await exchange.write(command);
  if (answer === 'ack') return 'ok';
  if (answer === 'nak') return 'nak';
  if (step.kind === 'brightness') {
    if (exchange.acks === true) return 'timeout';
    // The dimming register cannot be read back: a read answered after the write shows the sign
    // has taken it in (a sign handles packets in order); what it made of it is taken on trust.
    readingBack();
    const sync = await exchange.read(readMemoryConfigCommand(), (c) => c.code === 'E' && c.data[0] === 0x24);
    return sync === 'timeout' ? 'timeout' : 'ok';
  }
  readingBack();
  const back = await readBack(exchange, step);
  if (back === 'ok' && answer === 'timeout') exchange.noAcksSeen();
  return back;
}

async function readBack(exchange: SignExchange, step: Exclude<SignStep, { kind: 'brightness' }>): Promise<Outcome> {
  if (step.kind === 'memory') {
    const parsed = await readMemoryConfig(exchange);
    if (parsed === 'timeout' || parsed === 'nak') return parsed;
    return 'files' in parsed && sameMemoryConfig(parsed.files, step.files) ? 'ok' : 'mismatch';
  }
  const code = step.label.charCodeAt(0);
  if (step.kind === 'layout') {
    const answer = await exchange.read(readTextCommand(step.label), (c) => c.code === 'A' && c.data[0] === code);
    if (answer === 'timeout' || answer === 'nak') return answer;
    return latin1(answer.data.subarray(1)) === latin1(step.data) ? 'ok' : 'mismatch';
  }
  const answer = await exchange.read(readStringCommand(step.label), (c) => c.code === 'G' && c.data[0] === code);
  if (answer === 'timeout' || answer === 'nak') return answer;
  return latin1(answer.data.subarray(1)).trimEnd() === step.text.trimEnd() ? 'ok' : 'mismatch';
}

/** A step as the log and the faults name it. */
export function describeStep(step: SignStep): string {
  switch (step.kind) {
    case 'memory':
      return `memory configuration (${step.files.map((f) => f.label).join('')})`;
    case 'layout':
      return `layout TEXT ${step.label}`;
    case 'string':
      return `STRING ${step.label}`;
    case 'brightness':
      return `brightness level ${step.level}`;
  }
}
