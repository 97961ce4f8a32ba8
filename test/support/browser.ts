import { Browser, chromium } from 'playwright-core';

/** The Debian Chromium every browser walk and accessibility check drives; a walk skips, saying so, without it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as every walk runs it: no sandbox (CI runs as root), no GPU or background traffic, and every
 * `*.localhost` host (each hospital's site, the operator's) sent to this machine.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      `--host-resolver-rules=MAP *.localhost 127.0.0.1`,
    ],
  });
}
