/**
 * `npm ci` refuses a lock file that lacks any optional dependency of a package in it, even one for
 * another platform. node-unix-socket lists a prebuilt binary per platform, and the registry these
 * machines reach carries only the x86-64 ones, so `npm install` leaves the others out and `npm ci`
 * (CI, the image build) then fails. The entries for the other platforms are kept by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

test('every optional dependency in the lock file has its own entry, so npm ci accepts it', async () => {
  const lock = JSON.parse(await readFile(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockEntry> };
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      // npm resolves a dependency next to its dependent first, then up to the top.
      const nested = `${key ? `${key}/` : ''}node_modules/${name}`;
      const found = lock.packages[nested] ?? lock.packages[`node_modules/${name}`];
      if (!found) missing.push(`${key || '(root)'} → ${name}@${range}`);
    }
  }
  assert.deepEqual(missing, []);
});
