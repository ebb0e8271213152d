/** The event_log section: its defaults, its sizes, and the rules between its keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const problems = (text: string) => {
  const r = parseConfig(text, 'drowse.yaml', {});
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('without event_log no event log is configured', () => {
  const r = parseConfig('log: { level: info }\n', 'drowse.yaml', {});
  assert.ok(r.ok);
  assert.equal(r.config.eventLog, undefined);
});

test('an event_log with only a path gets 7d retention, 10MB files and a 100MB total', () => {
  const r = parseConfig('event_log: { path: /var/lib/drowse/events.jsonl }\n', 'drowse.yaml', {});
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems.map(formatProblem)));
  assert.deepEqual(r.config.eventLog, { path: '/var/lib/drowse/events.jsonl', retentionMs: 7 * 86_400_000, maxSizeBytes: 10_000_000, maxTotalBytes: 100_000_000 });
});

test('sizes and retention are read as written', () => {
  const r = parseConfig('event_log: { path: /x/e.jsonl, retention: 36h, max_size: 64KiB, max_total: 1MiB }\n', 'drowse.yaml', {});
  assert.ok(r.ok);
  assert.deepEqual(r.config.eventLog, { path: '/x/e.jsonl', retentionMs: 36 * 3_600_000, maxSizeBytes: 65_536, maxTotalBytes: 1_048_576 });
});

test('event_log problems name the key and say what a size looks like', () => {
  assert.deepEqual(problems('event_log: { retention: 7d }\n'), ['drowse.yaml:1:1: event_log.path: required']);
  assert.deepEqual(problems('event_log: { path: /x, max_size: 10 }\n'), ['drowse.yaml:1:34: event_log.max_size: expected a size like 512KB, 10MB or 1GiB']);
  assert.deepEqual(problems('event_log: { path: /x, max_size: 10 tons }\n'), ['drowse.yaml:1:34: event_log.max_size: expected a size like 512KB, 10MB or 1GiB']);
  assert.deepEqual(problems('event_log: { path: /x, max_total: 10B }\n'), ['drowse.yaml:1:35: event_log.max_total: must be at least 1KB']);
  assert.deepEqual(problems('event_log: { path: /x, rotate: 1 }\n'), ['drowse.yaml:1:24: event_log.rotate: unknown key "rotate"']);
});

test('a file size larger than the total cap is refused, on the key that was written', () => {
  assert.deepEqual(problems('event_log: { path: /x, max_size: 20MB, max_total: 10MB }\n'), ['drowse.yaml:1:34: event_log.max_size: max_size (20MB) must not exceed max_total (10MB)']);
  assert.deepEqual(problems('event_log: { path: /x, max_total: 5MB }\n'), ['drowse.yaml:1:35: event_log.max_total: max_size (10MB) must not exceed max_total (5MB)']);
});
