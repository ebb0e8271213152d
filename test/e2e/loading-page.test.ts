/**
 * A person opening a sleeping service in a real browser (Debian's Chromium): the loading page shows
 * the wake step by step and turns into the app by itself; a failed wake shows the error and a retry
 * button. Screenshots land in test-artifacts/.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  startDrowse, requireDocker, ensureTestImage, runContainer, freePort, recordDockerEvents, launchChromium, artifactPath, waitFor,
} from '../helpers/index.ts';

// The callbacks given to page.evaluate run in the browser. This project is typechecked without the
// DOM library (it is Node code), so these declare just what those callbacks touch. Strings would
// not do: the loading page's CSP rightly forbids eval.
declare const document: { getElementById(id: string): unknown; body: { innerText: string }; activeElement: { id: string } | null };
declare function getComputedStyle(element: unknown): { backgroundColor: string };

let image: string;
before(async () => {
  image = await ensureTestImage();
});

function yaml(container: string, port: number, extra = ''): string {
  return `services:\n  web:\n    docker: { container: ${container} }\n    http: { host: web.test, target: "http://127.0.0.1:${port}" }\n${extra}`;
}

/** Everything the page complained about: script errors, CSP violations, failed loads of its own files. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return problems;
}

const stepStatus = (page: Page, step: string) => page.getAttribute(`[data-step="${step}"]`, 'data-status');

test('a browser opening a sleeping service sees the wake step by step, then the app at the same URL, with no action', async (t) => {
  if (!(await requireDocker(t))) return;
  const browser = await launchChromium(t);
  if (!browser) return;
  const port = await freePort();
  const container = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web', START_DELAY_MS: '2500' }, start: false });
  const drowse = await startDrowse(t, yaml(container, port));
  const page = await browser.newPage({ colorScheme: 'light' });
  const problems = watchProblems(page);
  const loads: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) loads.push(frame.url());
  });
  const url = `http://web.test:${drowse.port}/deep/link?x=1`;

  await page.goto(url, { waitUntil: 'domcontentloaded' });

  assert.equal(await page.title(), 'Waking web…');
  assert.equal(await page.textContent('h1'), 'Waking web');
  // The app takes 2.5 s to listen, so the page sits on "probing" long enough to be seen.
  await page.waitForSelector('[data-step="probing"][data-status="active"]', { timeout: 15_000 });
  assert.equal(await stepStatus(page, 'starting'), 'done');
  assert.equal(await page.getAttribute('[data-step="probing"]', 'aria-current'), 'step');
  assert.match(String(await page.textContent('#status')), /waiting for the app/i);
  await page.screenshot({ path: await artifactPath('loading-page-waking.png'), fullPage: true });

  // Then, untouched, the page becomes the app itself.
  await page.waitForFunction(() => document.getElementById('drowse') === null && document.body.innerText.includes('"app"'), undefined, { timeout: 20_000 });
  const echoed = JSON.parse(await page.innerText('body')) as { app: string; url: string };
  assert.deepEqual([echoed.app, echoed.url], ['web', '/deep/link?x=1']);
  assert.equal(page.url(), url, 'the deep link survived');
  await page.screenshot({ path: await artifactPath('loading-page-app.png'), fullPage: true });

  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(loads, [url, url], 'one loading page, one load of the app, no reload loop');
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

test('a wake that fails shows the error in words and a retry button that wakes again', async (t) => {
  if (!(await requireDocker(t))) return;
  const browser = await launchChromium(t);
  if (!browser) return;
  const port = await freePort();
  const container = await runContainer(t, { image, cmd: ['sh', '-c', 'sleep 1; exit 3'], start: false });
  const events = await recordDockerEvents(t, container);
  // A short backoff: the retry button waits it out before it may start the second wake.
  const drowse = await startDrowse(t, yaml(container, port, '    wake_timeout: 60s\n'), { wakeBackoff: { initialMs: 2_000, maxMs: 2_000 } });
  const page = await browser.newPage({ colorScheme: 'dark' });
  const problems = watchProblems(page);

  await page.goto(`http://web.test:${drowse.port}/`, { waitUntil: 'domcontentloaded' });

  await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
  assert.match(String(await page.textContent('#error-text')), /exited with exit code 3 while waking/);
  assert.equal(await page.getAttribute('#error', 'role'), 'alert');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'retry', 'the retry button has the focus');
  assert.equal(await stepStatus(page, 'probing'), 'failed');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(16, 19, 28)', 'dark theme');
  await page.screenshot({ path: await artifactPath('loading-page-error.png'), fullPage: true });

  assert.match(String(await page.textContent('#retry-note')), /The next try can start in \d+ s/, 'the backoff is shown');
  assert.equal(await page.getAttribute('#retry', 'aria-disabled'), 'true', 'the retry waits out the backoff');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#retry:not([aria-disabled])', { timeout: 10_000 });
  assert.equal(await page.isHidden('#retry-note'), true);
  assert.equal(events.count('start'), 1, 'a press during the backoff started nothing');

  // Retry from the keyboard: the page reloads and a second wake runs (and fails the same way).
  await page.keyboard.press('Enter');
  await events.waitFor('start', 2, 15_000);
  await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
  assert.deepEqual(problems, [], 'no script errors or CSP violations');
});

test('dependencies show on the page as they wake, then the app loads', async (t) => {
  if (!(await requireDocker(t))) return;
  const browser = await launchChromium(t);
  if (!browser) return;
  const [appPort, dbPort, dbListen] = await Promise.all([freePort(), freePort(), freePort()]);
  const app = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(appPort), NAME: 'web' }, start: false });
  const db = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(dbPort), NAME: 'db', START_DELAY_MS: '2000' }, start: false });
  const drowse = await startDrowse(t, `services:
  web:
    docker: { container: ${app} }
    http: { host: web.test, target: "http://127.0.0.1:${appPort}" }
    depends_on: db
  db:
    docker: { container: ${db} }
    tcp: { listen: "127.0.0.1:${dbListen}", target: "127.0.0.1:${dbPort}" }
`);
  const page = await browser.newPage();
  const problems = watchProblems(page);

  await page.goto(`http://web.test:${drowse.port}/`, { waitUntil: 'domcontentloaded' });

  // db takes 2 s to listen: the page sits on the dependency step meanwhile.
  await page.waitForSelector('[data-step="dependencies"]:not([hidden])[data-status="active"] [data-dep="db"]', { timeout: 15_000 });
  assert.match(String(await page.textContent('[data-dep="db"]')), /Waking db/);
  await page.screenshot({ path: await artifactPath('loading-page-dependencies.png'), fullPage: true });
  await page.waitForFunction(() => document.getElementById('drowse') === null && document.body.innerText.includes('"app"'), undefined, { timeout: 20_000 });
  assert.deepEqual(problems, []);
});

test('without JavaScript the page refreshes itself until the app answers', async (t) => {
  if (!(await requireDocker(t))) return;
  const browser = await launchChromium(t);
  if (!browser) return;
  const port = await freePort();
  const container = await runContainer(t, { image, app: 'http-app.js', env: { PORT: String(port), NAME: 'web', START_DELAY_MS: '1000' }, start: false });
  const drowse = await startDrowse(t, yaml(container, port));
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(`http://web.test:${drowse.port}/`, { waitUntil: 'domcontentloaded' });
  assert.equal(await page.title(), 'Waking web…');

  await waitFor(async () => (await page.innerText('body').catch(() => '')).includes('"app": "web"') || (await page.innerText('body').catch(() => '')).includes('"app":"web"'), {
    timeoutMs: 20_000,
    intervalMs: 250,
    message: 'the noscript refresh to land on the app',
  });
});
