/**
 * Leaks: RSS of drowse after GC before and after 100 wake/sleep cycles of a busybox httpd
 * container and 200,000 warm requests (50 keep-alive connections, to a second, awake service in
 * front of the nginx backend). drowse runs with --expose-gc and a preloaded SIGUSR2 → gc() hook
 * (bench/lib/gc-on-signal.ts): each reading is taken after a settle period and a full GC.
 *
 *   npm run bench:soak   (node bench/soak.ts [--cycles N] [--requests N] [--smoke])
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRIM_INTERVAL_MS } from '../src/kernel/index.ts';
import { freePort } from './lib/index.ts';
import { parseArgs } from './lib/args.ts';
import { runClient, type CountResult } from './lib/client.ts';
import { createContainer, dockerAvailable, removeOurs } from './lib/docker.ts';
import { control, get, startDrowse, waitState, type RunningDrowse } from './lib/drowse.ts';
import { memory, type Memory } from './lib/proc.ts';
import { machine, writeResults } from './lib/results.ts';
import { startBackend, type Server } from './lib/servers.ts';
import { ensureTools } from './lib/tools.ts';

const WAKE = 'wake.lan';
const WARM = 'warm.lan';

interface Reading extends Memory {
  readonly beforeGcMB: number;
  /** V8 heap in use after the GC, MB (from the preloaded hook). */
  readonly heapMB: number;
}

async function afterGc(d: RunningDrowse, gcFile: string, settleMs: number): Promise<Reading> {
  await new Promise((r) => setTimeout(r, settleMs));
  const beforeGcMB = (await memory(d.pid)).rssMB;
  await rm(gcFile, { force: true });
  process.kill(d.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  let report: { gc: boolean; heapUsed: number } | undefined;
  while (!report && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    report = await readFile(gcFile, 'utf8').then((t) => JSON.parse(t) as { gc: boolean; heapUsed: number }, () => undefined);
  }
  if (!report?.gc) throw new Error('drowse did not run the GC hook (--expose-gc / --import bench/lib/gc-on-signal.ts)');
  await new Promise((r) => setTimeout(r, 500));
  return { ...(await memory(d.pid)), beforeGcMB, heapMB: report.heapUsed / 1024 / 1024 };
}

async function cycle(d: RunningDrowse): Promise<void> {
  const r = await get(d.port, WAKE, '/index.html', 60_000);
  if (r.status !== 200) throw new Error(`a wake answered ${r.status}`);
  await control(d, 'wake', 'sleep');
  await waitState(d, WAKE, ['asleep']);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 1, durationS: 300 });
  const cycles = args.count('cycles', 100, 3);
  const requests = args.count('requests', 200_000, 2000);
  // Longer than two intervals of drowse's memory trim: each reading is what a quiet drowse settles at.
  const settleMs = args.smoke ? 500 : 2 * TRIM_INTERVAL_MS + 2000;
  const tools = await ensureTools();
  if (!(await dockerAvailable())) throw new Error('soak needs a Docker engine');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-soak-'));
  const www = path.join(dir, 'app');
  const servers: Server[] = [];
  try {
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), 'x'.repeat(100));
    for (const p of [dir, www]) await chmod(p, 0o755);
    const backend = await startBackend(tools, dir);
    servers.push(backend);
    const appPort = await freePort();
    const gcFile = path.join(dir, 'gc.json');
    const app = await createContainer({ name: 'soak', cmd: ['httpd', '-f', '-p', `127.0.0.1:${appPort}`, '-h', '/www'], binds: [`${www}:/www:ro`], start: false });
    const workload = await createContainer({ name: 'soak-warm', cmd: ['sleep', '86400'], start: true });
    const d = await startDrowse(dir, [
      { name: 'wake', container: app, host: WAKE, target: `http://127.0.0.1:${appPort}` },
      { name: 'warm', container: workload, host: WARM, target: `http://127.0.0.1:${backend.port}` },
    ], { gc: true, env: { DROWSE_BENCH_GC_FILE: gcFile } });
    servers.push(d);
    await waitState(d, WAKE, ['asleep']);
    await waitState(d, WARM, ['ready']);

    // Warm-up, so that code loaded lazily on the first wake and the first requests is in the baseline.
    await cycle(d);
    await runClient<CountResult>(['count', d.port, WARM, '/100b', 1000, 50, 60_000], 60_000);
    const baseline = await afterGc(d, gcFile, settleMs);
    const t0 = performance.now();
    for (let i = 0; i < cycles; i++) await cycle(d);
    const cyclesS = (performance.now() - t0) / 1000;
    const afterCycles = await afterGc(d, gcFile, settleMs);
    const deadlineMs = (args.smoke ? 30 : args.durationS) * 1000;
    const load = await runClient<CountResult>(['count', d.port, WARM, '/100b', requests, 50, deadlineMs], deadlineMs);
    const afterLoad = await afterGc(d, gcFile, settleMs);
    const growth = afterLoad.rssMB - baseline.rssMB;
    const mb = (m: number) => `${m.toFixed(1)} MB`;
    await writeResults(args.out, {
      name: 'soak',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `drowse (core 0) started with --expose-gc and --import bench/lib/gc-on-signal.ts; each reading: ${settleMs} ms settle, VmRSS, SIGUSR2 (two full GCs; the hook writes process.memoryUsage() after them), 0.5 s, VmRSS again. Baseline after one warm-up wake cycle and 1,000 warm requests. Then ${cycles} wake/sleep cycles (GET wakes the stopped busybox httpd; the control API puts it to sleep) and ${requests} warm requests from a Node client on core 1 (50 keep-alive connections, to a second service proxied to the nginx backend; deadline ${args.durationS} s).`,
      commands: [d.command, load.command],
      tables: [{
        title: 'RSS after GC',
        headers: ['reading', 'RSS before GC', 'RSS after GC', 'growth vs baseline', 'V8 heap after GC'],
        rows: [
          ['baseline', mb(baseline.beforeGcMB), mb(baseline.rssMB), '—', mb(baseline.heapMB)],
          [`after ${cycles} wake/sleep cycles (${cyclesS.toFixed(0)} s)`, mb(afterCycles.beforeGcMB), mb(afterCycles.rssMB), mb(afterCycles.rssMB - baseline.rssMB), mb(afterCycles.heapMB)],
          [`after ${load.result.done} warm requests (${load.result.errors} errors, ${(load.result.ms / 1000).toFixed(0)} s)`, mb(afterLoad.beforeGcMB), mb(afterLoad.rssMB), mb(growth), mb(afterLoad.heapMB)],
          ['peak (VmHWM)', '—', mb(afterLoad.hwmMB), '—', '—'],
        ],
      }],
      data: { cycles, requests, settleMs, baseline, afterCycles, afterLoad, load: load.result, cyclesS, growthMB: growth },
    });
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
