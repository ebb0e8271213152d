/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser. Every name resolves to
 * 127.0.0.1 inside the browser (host-resolver-rules), so pages address services by their route
 * host while all traffic stays on loopback.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['DROWSE_CHROMIUM'] ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Only loopback: any name the page asks for is answered with 127.0.0.1, and nothing else resolves.
  '--host-resolver-rules=MAP * 127.0.0.1',
];

/** Where screenshots go; CI keeps the folder as the test artifacts. */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

/**
 * Launches Chromium, closed when the test ends. Without Chromium the test is skipped, except under
 * CI=true, where that is a failure (.ci/run installs it).
 */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  const present = await fs.access(CHROMIUM).then(() => true, () => false);
  if (!present) {
    const why = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
    if (process.env['CI'] === 'true') throw new Error(`${why}; CI=true, so this is a failure, not a skip`);
    t.skip(why);
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
  t.after(() => browser.close());
  return browser;
}

/** A path for a screenshot in the artifacts folder (created on demand). */
export async function artifactPath(name: string): Promise<string> {
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
