/**
 * The CLI's help, the same for every command: notes (if any), then an "Examples:" block that ends
 * the help; and a usage error that points to the help of the command it happened in
 * (`tabla config get --help`), not to the whole program's.
 */
import type { Command } from 'commander';

/**
 * The text after a command's options: its notes, then its examples, a command line each (a note
 * after a line is fine: `tabla provision --from devices.csv   (columns: …)`). For
 * `.addHelpText('after', examples([...]))`.
 */
export function examples(lines: readonly string[], notes?: string): string {
  return `${notes ? `\n${notes.trim()}\n` : ''}\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** Every command under `root`, root first, each with its path as typed after `tabla` ('' for the root). */
export function everyCommand(root: Command): [string, Command][] {
  const walk = (c: Command, path: string): [string, Command][] => [
    [path, c],
    ...c.commands.flatMap((sub) => walk(sub, path ? `${path} ${sub.name()}` : sub.name())),
  ];
  return walk(root, '');
}

/** The line a usage error ends with in the command `path`: where its own help is. */
export const usageHint = (path: string): string => (path ? `(tabla ${path} --help shows its usage and examples)` : '(tabla --help lists the commands)');

/** Makes every command's usage errors end with the hint to its own help. Call once the tree is complete. */
export function pointUsageErrorsToOwnHelp(root: Command): void {
  for (const [path, c] of everyCommand(root)) c.showHelpAfterError(usageHint(path));
}
