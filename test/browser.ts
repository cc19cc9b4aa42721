/**
 * Debian's Chromium for the browser tests (playwright-core drives it headless): where it is, and
 * what a test does without it — say why it did not run, and fail in CI, which installs it.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import * as assert from 'uvu/assert';
import type { Test } from 'uvu';

export const CHROMIUM = process.env.TABLA_CHROMIUM ?? '/usr/bin/chromium';

/** Whether Chromium is here; when not, registers `what` as a test that says why (failing in CI). */
export function chromiumHere(test: Test, what: string): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  test(what, () => {
    if (process.env.CI) assert.unreachable(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    console.log(`  (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
  });
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}
