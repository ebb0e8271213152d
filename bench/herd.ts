/**
 * The thundering herd: N requests at once (1,000; each its own connection) to a sleeping busybox
 * httpd container through drowse. Counts answers, their latency, and how many times the engine
 * started the container (from `docker events`); then the same N straight to the running app.
 *
 *   npm run bench:herd   (node bench/herd.ts [--runs N] [--requests N] [--smoke])
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './lib/index.ts';
import { parseArgs } from './lib/args.ts';
import { runClient, type BurstResult } from './lib/client.ts';
import { createContainer, dockerAvailable, kill, removeOurs, startsSince } from './lib/docker.ts';
import { control, get, startDrowse, waitState } from './lib/drowse.ts';
import { waitPort } from './lib/proc.ts';
import { machine, writeResults } from './lib/results.ts';
import { fmt, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';

const HOST = 'herd.lan';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 3, durationS: 60 });
  const n = args.count('requests', 1000, 50);
  const timeoutMs = (args.smoke ? 30 : args.durationS) * 1000;
  const tools = await ensureTools();
  if (!(await dockerAvailable())) throw new Error('herd needs a Docker engine');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-herd-'));
  const www = path.join(dir, 'www');
  const commands: string[] = [];
  let drowse: Awaited<ReturnType<typeof startDrowse>> | undefined;
  try {
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), 'x'.repeat(100));
    for (const d of [dir, www]) await chmod(d, 0o755);
    const appPort = await freePort();
    const createdS = Math.floor(Date.now() / 1000) - 1;
    const container = await createContainer({ name: 'herd', cmd: ['httpd', '-f', '-p', `127.0.0.1:${appPort}`, '-h', '/www'], binds: [`${www}:/www:ro`], start: false });
    drowse = await startDrowse(dir, [{ name: 'herd', container, host: HOST, target: `http://127.0.0.1:${appPort}` }]);
    commands.push(drowse.command);
    await waitState(drowse, HOST, ['asleep']);

    const runs: (BurstResult & { starts: number; wakeMs: number; direct: BurstResult })[] = [];
    let since = createdS;
    for (let round = 0; round < args.runs; round++) {
      const { result, command } = await runClient<BurstResult>(['burst', drowse.port, HOST, '/index.html', n, timeoutMs], timeoutMs);
      if (round === 0) commands.push(command);
      const starts = await startsSince(container, since);
      const status = JSON.parse((await get(drowse.port, HOST, '/__drowse/status')).body) as { last_wake_ms?: number };
      // The same burst straight to the app, which is running now.
      await waitPort(appPort, 10_000);
      const direct = (await runClient<BurstResult>(['burst', appPort, `127.0.0.1:${appPort}`, '/index.html', n, timeoutMs], timeoutMs)).result;
      runs.push({ ...result, starts, wakeMs: status.last_wake_ms ?? Number.NaN, direct });
      await control(drowse, 'herd', 'sleep');
      await waitState(drowse, HOST, ['asleep']);
      await kill(container); // already stopped by drowse; makes sure before the next round
      since = Math.floor(Date.now() / 1000);
      await new Promise((r) => setTimeout(r, 1100)); // the events API counts in whole seconds
    }

    const s = (f: (r: (typeof runs)[number]) => number, digits = 0, unit = '') => fmt(summarize(runs.map(f)), digits, unit);
    const rows = [
      ['through drowse (asleep)', s((r) => r.served), String(n), s((r) => r.p50Ms, 0, ' ms'), s((r) => r.p99Ms, 0, ' ms'), s((r) => r.starts), s((r) => r.wakeMs, 0, ' ms'), JSON.stringify(runs.map((r) => r.statuses))],
      ['straight to the running app', s((r) => r.direct.served), String(n), s((r) => r.direct.p50Ms, 0, ' ms'), s((r) => r.direct.p99Ms, 0, ' ms'), '—', '—', JSON.stringify(runs.map((r) => r.direct.statuses))],
    ];
    await writeResults(args.out, {
      name: 'herd',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `${n} GETs at once (each its own connection, timeout ${timeoutMs / 1000} s) from a Node client pinned to core 1, to a stopped busybox httpd container (host network, 127.0.0.1) behind drowse (core 0, default limits); ${args.runs} rounds (drowse puts it to sleep between rounds). Starts: 'start' events of the container in \`docker events\` during the round. Wake: the service's last_wake_ms from /__drowse/status. Then the same ${n} straight to the running app.`,
      commands,
      tables: [{ title: 'Herd on a sleeping app', headers: ['path', 'served (200)', 'sent', 'p50', 'p99', 'starts', 'wake', 'answers per round'], rows }],
      data: { requests: n, timeoutMs, runs },
    });
  } finally {
    await drowse?.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
