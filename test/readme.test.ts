/** The README's config example is what new users copy first: it must stay valid. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { parseConfig, formatProblem } from '../src/config/index.ts';

test("the README's example config is valid and routes its host to its target", async () => {
  const readme = await fs.readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml, 'README has a yaml block under ## Configuration');

  const result = parseConfig(yaml, 'README.md', {});

  assert.ok(result.ok, result.ok ? '' : result.problems.map(formatProblem).join('\n'));
  const whoami = result.config.services.find((s) => s.name === 'whoami');
  assert.deepEqual(whoami?.http?.hosts, ['whoami.lan', '*.whoami.lan']);
  assert.equal(whoami?.stopMethod, 'pause');
});
