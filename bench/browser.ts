/**
 * A browser opening a sleeping service: navigation → the app's own content, through drowse's
 * loading page, for an app that listens 2 s after its container starts. The floor is what no proxy
 * can beat: engine start, then the app's first answer, polled every 2 ms. Debian's Chromium
 * (playwright-core, headless), every name mapped to 127.0.0.1. Rounds alternate which goes first.
 *
 *   npm run bench:browser   (node bench/browser.ts [--runs N] [--smoke])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { APPS_DIR, CHROMIUM, freePort } from '../test/helpers/index.ts';
import { parseArgs } from './lib/args.ts';
import { createContainer, dockerAvailable, removeOurs, startAndFirstAnswer } from './lib/docker.ts';
import { control, startDrowse, waitState, type RunningDrowse } from './lib/drowse.ts';
import { machine, writeResults } from './lib/results.ts';
import { fmt, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';

const HOST = 'app.lan';
const LISTEN_AFTER_MS = 2000;
const DEADLINE_MS = 60_000;
/** The app answers with JSON naming itself; the loading page never contains this. */
const APP_MARK = '"app":"bench-app"';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 6, durationS: 60 });
  const tools = await ensureTools();
  if (!(await dockerAvailable())) throw new Error('browser needs a Docker engine');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-browser-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--host-resolver-rules=MAP * 127.0.0.1'],
    timeout: 60_000,
  });
  let d: RunningDrowse | undefined;
  try {
    const port = await freePort();
    const container = await createContainer({
      name: 'browser', cmd: ['node', '/apps/http-app.js'], binds: [`${APPS_DIR}:/apps:ro`],
      env: { PORT: String(port), NAME: 'bench-app', START_DELAY_MS: String(LISTEN_AFTER_MS) }, start: false,
    });
    d = await startDrowse(dir, [{ name: 'app', container, host: HOST, target: `http://127.0.0.1:${port}` }]);
    const drowse = d;
    await waitState(drowse, HOST, ['asleep']);
    // The control API answers a sleep once the service is stopping, so "ready" seen after it means a
    // late request (the browser's favicon, a reload) woke the service again: put it to sleep again.
    const asleep = async () => {
      await waitState(drowse, HOST, ['ready']);
      for (let attempt = 1; ; attempt++) {
        const status = await control(drowse, 'app', 'sleep');
        if (status !== 202) throw new Error(`drowse: sleep answered ${status}`);
        if (await waitState(drowse, HOST, ['asleep', 'ready']) === 'asleep') return;
        if (attempt === 3) throw new Error('drowse: the service woke again after three sleeps');
      }
    };
    const measure = {
      floor: async () => {
        const ms = await startAndFirstAnswer(container, port, '/', DEADLINE_MS);
        await asleep();
        return ms;
      },
      browser: async () => {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          // The app's content is there when its document is parsed (DOMContentLoaded): the time is
          // taken at the event, and only then is the page asked whether it is the app's. Polling
          // the page instead (every frame) added about 100 ms of the tool's own after each navigation.
          type Doc = { document: { body?: { innerText: string } } };
          const seen = new Promise<number>((resolve) => {
            page.on('domcontentloaded', (p) => {
              const at = performance.now();
              void p.evaluate((mark) => (globalThis as unknown as Doc).document.body?.innerText.includes(mark) ?? false, APP_MARK)
                .then((isApp) => { if (isApp) resolve(at); }, () => undefined);
            });
          });
          const t0 = performance.now();
          await page.goto(`http://${HOST}:${drowse.port}/`, { timeout: DEADLINE_MS });
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('the app did not show within 60 s')), DEADLINE_MS); });
          const ms = await Promise.race([seen, late]).finally(() => clearTimeout(timer)) - t0;
          // Closed before the sleep, so nothing the page still asks for can wake the service.
          await context.close();
          await asleep();
          return ms;
        } finally {
          await context.close();
        }
      },
    };
    const rounds: { floor: number; browser: number }[] = [];
    for (let round = 0; round < args.runs; round++) {
      if (round % 2 === 0) rounds.push({ floor: await measure.floor(), browser: await measure.browser() });
      else { const b = await measure.browser(); rounds.push({ browser: b, floor: await measure.floor() }); }
    }
    const f = summarize(rounds.map((r) => r.floor));
    const b = summarize(rounds.map((r) => r.browser));
    const diff = summarize(rounds.map((r) => r.browser - r.floor));
    await writeResults(args.out, {
      name: 'browser',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `A stopped container whose app (test/helpers/apps/http-app.js in the test image) listens ${LISTEN_AFTER_MS} ms after start. Floor: engine API start, then GET every 2 ms until 200. Browser: Chromium (${CHROMIUM}, headless, a fresh context per round) opens the sleeping service through drowse (core 0); the time is that of the DOMContentLoaded of the first document that is the app's own answer; the loading page reloads into it when the service is ready. ${args.runs} rounds, alternating which goes first; drowse puts the container to sleep after each. Medians with min–max.`,
      commands: [drowse.command],
      tables: [{
        title: 'Browser: navigation → app content',
        headers: ['figure', 'value'],
        rows: [
          ['floor: docker start + first answer direct', fmt(f, 0, ' ms')],
          ['browser through drowse: navigation → app content', fmt(b, 0, ' ms')],
          ['over the floor: median(browser) − median(floor)', `${(b.median - f.median).toFixed(0)} ms`],
          ['over the floor: median of per-round differences', fmt(diff, 0, ' ms')],
        ],
      }],
      data: { rounds, floor: f, browser: b, overMs: b.median - f.median, paired: diff },
    });
  } finally {
    await browser.close();
    await d?.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
