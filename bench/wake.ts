/**
 * Wake overhead: how much later the first byte comes through drowse than the app could answer on
 * its own. Per round, alternating which goes first:
 *   direct: `docker start` (engine API) then GET polled every 2 ms until the app answers;
 *   drowse: one GET through drowse to the sleeping service, until its response headers.
 * Overhead = median(drowse) − median(direct), and the median of the per-round differences.
 *
 *   npm run bench:wake   (node bench/wake.ts [--runs N] [--smoke])
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './lib/index.ts';
import { parseArgs } from './lib/args.ts';
import { createContainer, dockerAvailable, removeOurs, startAndFirstAnswer } from './lib/docker.ts';
import { control, get, startDrowse, waitState, type RunningDrowse } from './lib/drowse.ts';
import { machine, writeResults } from './lib/results.ts';
import { fmt, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';

const HOST = 'wake.lan';
const ANSWER_DEADLINE_MS = 60_000;

async function viaDrowse(d: RunningDrowse): Promise<number> {
  const t0 = performance.now();
  const r = await get(d.port, HOST, '/index.html', ANSWER_DEADLINE_MS);
  if (r.status !== 200) throw new Error(`drowse answered ${r.status}: ${r.body.slice(0, 200)}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 10, durationS: 60 });
  const tools = await ensureTools();
  if (!(await dockerAvailable())) throw new Error('wake needs a Docker engine');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-wake-'));
  const www = path.join(dir, 'www');
  let drowse: RunningDrowse | undefined;
  try {
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), 'x'.repeat(100));
    for (const d of [dir, www]) await chmod(d, 0o755);
    const port = await freePort();
    const container = await createContainer({ name: 'wake', cmd: ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'], binds: [`${www}:/www:ro`], start: false });
    drowse = await startDrowse(dir, [{ name: 'wake', container, host: HOST, target: `http://127.0.0.1:${port}` }]);
    const d = drowse;
    await waitState(d, HOST, ['asleep']);
    const rounds: { direct: number; drowse: number }[] = [];
    for (let round = 0; round < args.runs; round++) {
      const measure = {
        direct: async () => {
          const ms = await startAndFirstAnswer(container, port, '/index.html', ANSWER_DEADLINE_MS);
          // A container stopped behind drowse's back counts as crashed (state error): drowse stops it.
          await waitState(d, HOST, ['ready']);
          await control(d, 'wake', 'sleep');
          await waitState(d, HOST, ['asleep']);
          return ms;
        },
        drowse: async () => {
          const ms = await viaDrowse(d);
          await control(d, 'wake', 'sleep');
          await waitState(d, HOST, ['asleep']);
          return ms;
        },
      };
      // A B, then B A: neither always runs on a container the engine has just touched.
      if (round % 2 === 0) rounds.push({ direct: await measure.direct(), drowse: await measure.drowse() });
      else { const b = await measure.drowse(); rounds.push({ drowse: b, direct: await measure.direct() }); }
    }
    const dDirect = summarize(rounds.map((r) => r.direct));
    const dDrowse = summarize(rounds.map((r) => r.drowse));
    const diff = summarize(rounds.map((r) => r.drowse - r.direct));
    await writeResults(args.out, {
      name: 'wake',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `A stopped busybox httpd container (host network, 127.0.0.1). Direct: engine API start, then GET every 2 ms until 200. Through drowse (core 0): one GET to the sleeping service until its response. ${args.runs} rounds, alternating which goes first; drowse puts the container to sleep (control API) after each. Medians with min–max.`,
      commands: [d.command],
      tables: [{
        title: 'Wake overhead',
        headers: ['figure', 'value'],
        rows: [
          ['docker start + first answer direct', fmt(dDirect, 0, ' ms')],
          ['first byte through drowse', fmt(dDrowse, 0, ' ms')],
          ['overhead: median(drowse) − median(direct)', `${(dDrowse.median - dDirect.median).toFixed(0)} ms`],
          ['overhead: median of per-round differences', fmt(diff, 0, ' ms')],
        ],
      }],
      data: { rounds, direct: dDirect, drowse: dDrowse, overheadMs: dDrowse.median - dDirect.median, pairedOverhead: diff },
    });
  } finally {
    await drowse?.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
