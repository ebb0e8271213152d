/** package.json says MIT; the licence text it points to must be there for anyone who copies drowse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';

test('the LICENSE file is the MIT licence of the drowse authors that package.json names', async () => {
  const pkg = JSON.parse(await fs.readFile(new URL('../package.json', import.meta.url), 'utf8')) as { license: string };
  const text = await fs.readFile(new URL('../LICENSE', import.meta.url), 'utf8');
  assert.equal(pkg.license, 'MIT');
  assert.match(text, /^MIT License\n/);
  assert.match(text, /^Copyright \(c\) 2026 drowse authors$/m);
  assert.match(text, /THE SOFTWARE IS PROVIDED "AS IS"/);
});
