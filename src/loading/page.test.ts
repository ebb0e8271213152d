import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadingPage } from './page.ts';

test('the loading page names the service, its host and its workload, and lists every wake step', async () => {
  const page = await LoadingPage.load();
  const html = page.render({ name: 'whoami', host: 'whoami.lan', workload: 'whoami-container' });
  assert.match(html, /<title>Waking whoami…<\/title>/);
  assert.match(html, /<p class="host">whoami\.lan<\/p>/);
  assert.match(html, /Starting whoami-container/);
  for (const step of ['waking', 'dependencies', 'starting', 'probing', 'ready']) assert.match(html, new RegExp(`data-step="${step}"`));
  assert.match(html, /role="status" aria-live="polite"/);
  assert.match(html, /role="alert"/);
  assert.match(html, /<button id="retry" type="button">/);
});

test('every value on the loading page is escaped', async () => {
  const page = await LoadingPage.load();
  const html = page.render({ name: '<b>n</b>', host: '"><script>alert(1)</script>', workload: "w' onmouseover='x" });
  assert.ok(!html.includes('<script>alert'), 'host rendered as markup');
  assert.ok(!html.includes('<b>n</b>'), 'name rendered as markup');
  assert.ok(!html.includes("w' onmouseover"), 'workload broke out of its text');
  assert.ok(html.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('the loading page has no inline script or style, so its CSP can forbid both', async () => {
  const html = (await LoadingPage.load()).render({ name: 'a', host: 'a.lan', workload: 'a' });
  assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/);
});

test('the last wake duration is passed to the page for its progress estimate', async () => {
  const page = await LoadingPage.load();
  assert.match(page.render({ name: 'a', host: 'a.lan', workload: 'a', lastWakeMs: 4200 }), /data-expected-ms="4200"[\s\S]*last wake took 4s/);
  assert.doesNotMatch(page.render({ name: 'a', host: 'a.lan', workload: 'a' }), /last wake took/);
});
