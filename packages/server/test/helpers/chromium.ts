import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { describe } from 'vitest';

/**
 * Debian's Chromium (`apt-get install chromium`). playwright-core never downloads a browser here:
 * the suite drives the system one, so the tests run offline and on the Chromium CI installs.
 */
export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** CI=true (or any value but empty, 0 or false) makes the browser suite mandatory. */
const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());

export const chromiumInstalled = existsSync(chromiumPath);

if (!chromiumInstalled && inCi) {
  throw new Error(
    `CI must have Chromium at ${chromiumPath} (apt-get install chromium); the browser suite may not skip there`,
  );
}

/** A suite that needs Chromium: reported as skipped outside CI when it is not installed. */
export function describeWithChromium(name: string, suite: () => void): void {
  (chromiumInstalled ? describe : describe.skip)(name, suite);
}

/** Starts the system Chromium headless; one per test file, a fresh context per test. */
export function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled) throw new Error(`no Chromium at ${chromiumPath}`);
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, timeout: 30_000 });
}
