/** The did-you-mean budget for unknown dependencies (resolve.ts): its own file, as it builds a large config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, 'drowse.yaml', {});
  assert.equal(result.ok, false);
  return result.ok ? [] : result.problems.map(formatProblem);
}

test('suggestions stop when the comparison budget runs out, and the rest is still checked', () => {
  // 400 services with a typo each: 400 × 400 comparisons is past the budget of 100,000.
  const names = Array.from({ length: 400 }, (_, i) => `svc${i}`);
  const yaml = `services:\n${names.map((n, i) => `  ${n}: { docker: { container: ${n} }, depends_on: svc${(i + 1) % 400}x }\n`).join('')}`;
  const printed = problems(yaml);
  assert.equal(printed.length, 400);
  assert.match(printed[0] ?? '', /: services\.svc0\.depends_on: unknown service "svc1x" \(did you mean "svc1"\?\)$/);
  assert.match(printed[249] ?? '', /: services\.svc249\.depends_on: unknown service "svc250x" \(did you mean "svc250"\?\)$/);
  assert.match(printed[250] ?? '', /: services\.svc250\.depends_on: unknown service "svc251x"$/);
  assert.match(printed[399] ?? '', /: services\.svc399\.depends_on: unknown service "svc0x"$/);
  const hinted = printed.filter((p) => p.includes('did you mean')).length;
  assert.equal(hinted, 250);
});
