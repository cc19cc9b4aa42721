/**
 * What to send a sign next, from what it should show and what it is known to hold: a pure planner
 * (balena-supervisor's inferNextSteps), run again after every step, so a write that arrives mid-way
 * is part of the same pass. The driver (alpha.ts) executes the steps.
 *
 * Order: memory configuration first (it clears every file), then the layout TEXT file, then each
 * row's STRING whose confirmed text differs, then the brightness.
 */
import { layoutText, type MemoryFile } from '../../protocols/alpha/index.js';
import type { SignLayout } from './sign.js';

export interface DesiredSign {
  layout: SignLayout | null;
  /** Row texts as they go on the wire (transliterated, cut to width), by STRING label. */
  strings: ReadonlyMap<string, string>;
  /** Dimming level index (0 brightest … 4), or null: leave it as it is. */
  brightness: number | null;
}

export interface KnownSign {
  /** The memory configuration the sign is known to hold (null: not known, or not ours). */
  memory: readonly MemoryFile[] | null;
  /** The layout TEXT is confirmed on the sign. */
  layout: boolean;
  /** Confirmed STRING texts by label (a file just configured holds ''). */
  strings: Map<string, string>;
  brightness: number | null;
}

export type SignStep =
  | { kind: 'memory'; files: MemoryFile[] }
  | { kind: 'layout'; label: string; data: Uint8Array }
  | { kind: 'string'; label: string; text: string }
  | { kind: 'brightness'; level: number };

/** The files a layout needs: one TEXT file (`textLabel`) calling one STRING file a row. */
export function memoryFor(layout: SignLayout, textLabel: string): MemoryFile[] {
  const text = layoutText(layout.map((r) => r.fileLabel));
  return [{ label: textLabel, type: 'text', size: Math.max(text.length + 1, 32) }, ...layout.map((r) => ({ label: r.fileLabel, type: 'string' as const, size: r.width }))];
}

const sameFiles = (a: readonly MemoryFile[], b: readonly MemoryFile[]) =>
  a.length === b.length && a.every((f, i) => f.label === b[i]!.label && f.type === b[i]!.type && f.size === b[i]!.size);

/** The steps from `known` to `desired`, in order; empty when the sign shows what it should. */
export function planSteps(desired: DesiredSign, known: KnownSign, textLabel: string): SignStep[] {
  const steps: SignStep[] = [];
  const layout = desired.layout;
  if (layout) {
    const files = memoryFor(layout, textLabel);
    const configured = known.memory !== null && sameFiles(known.memory, files);
    if (!configured) steps.push({ kind: 'memory', files });
    if (!configured || !known.layout) steps.push({ kind: 'layout', label: textLabel, data: layoutText(layout.map((r) => r.fileLabel)) });
    for (const row of layout) {
      const want = desired.strings.get(row.fileLabel) ?? '';
      const have = configured ? known.strings.get(row.fileLabel) : '';
      if (want !== have) steps.push({ kind: 'string', label: row.fileLabel, text: want });
    }
  }
  if (desired.brightness !== null && desired.brightness !== known.brightness) steps.push({ kind: 'brightness', level: desired.brightness });
  return steps;
}
