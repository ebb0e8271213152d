import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadingPage } from './page.ts';

test('the loading page names the service and its host, never its workload, and lists every wake step', async () => {
  const page = await LoadingPage.load();
  const html = page.render({ name: 'whoami', host: 'whoami.lan' });
  assert.match(html, /<title>Waking whoami…<\/title>/);
  assert.match(html, /<p class="host">whoami\.lan<\/p>/);
  assert.match(html, /Starting whoami</);
  assert.match(html, /id="error"[^>]*hidden/, 'no error shown while waking');
  for (const step of ['waking', 'dependencies', 'starting', 'probing', 'ready']) assert.match(html, new RegExp(`data-step="${step}"`));
  assert.match(html, /role="status" aria-live="polite"/);
  assert.match(html, /role="alert"/);
  assert.match(html, /<button id="retry" type="button">/);
});

test('every value on the loading page is escaped', async () => {
  const page = await LoadingPage.load();
  const html = page.render({ name: '<b>n</b>', host: '"><script>alert(1)</script>', failure: { notice: '<img src=x onerror=alert(1)>', retryAt: '"><b>' } });
  assert.ok(!html.includes('<script>alert'), 'host rendered as markup');
  assert.ok(!html.includes('<b>n</b>'), 'name rendered as markup');
  assert.ok(!html.includes('<img src=x'), 'notice rendered as markup');
  assert.ok(!html.includes('"><b>'), 'retry time broke out of its attribute');
  assert.ok(html.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('the loading page has no inline script or style, so its CSP can forbid both', async () => {
  const html = (await LoadingPage.load()).render({ name: 'a', host: 'a.lan' });
  assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/);
});

test('the last wake duration is passed to the page for its progress estimate', async () => {
  const page = await LoadingPage.load();
  assert.match(page.render({ name: 'a', host: 'a.lan', lastWakeMs: 4200 }), /data-expected-ms="4200"[\s\S]*last wake took 4s/);
  assert.doesNotMatch(page.render({ name: 'a', host: 'a.lan' }), /last wake took/);
});

test('after a failed wake the page shows the notice and when the next try may start, without JavaScript too', async () => {
  const page = await LoadingPage.load();
  const now = Date.parse('2026-12-01T10:00:00Z');
  const html = page.render({ name: 'web', host: 'web.lan', failure: { notice: 'web could not start: it exited with exit code 3 while waking', retryAt: '2026-12-01T10:00:20Z' } }, now);
  assert.match(html, /<section id="error"[^>]*role="alert"[^>]*>/);
  assert.doesNotMatch(html, /<section id="error"[^>]*hidden/);
  assert.match(html, /<p id="error-text">web could not start: it exited with exit code 3 while waking<\/p>/);
  assert.match(html, /The next try can start in 20 s/);
  assert.match(html, /data-retry-at="2026-12-01T10:00:20Z"/);
  assert.match(html, /http-equiv="refresh" content="20"/, 'the no-script refresh waits out the backoff');
  const later = page.render({ name: 'web', host: 'web.lan', failure: { notice: 'n', retryAt: '2026-12-01T10:00:20Z' } }, now + 60_000);
  assert.match(later, /<p id="retry-note" class="note" hidden>/, 'no countdown once the backoff is over');
  assert.match(later, /http-equiv="refresh" content="3"/);
});
