/**
 * Start-up and idle cost: spawn → port accepting for drowse with 1 service and with 1,000 (real,
 * stopped containers created by the benchmark), nginx and Caddy for reference, alternated; RSS
 * after a settle period, and idle CPU over a window from /proc/PID/stat.
 *
 *   npm run bench:startup   (node bench/startup.ts [--runs N] [--services N] [--idle S] [--smoke])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRIM_INTERVAL_MS } from '../src/kernel/index.ts';
import { freePort } from './lib/index.ts';
import { parseArgs } from './lib/args.ts';
import { createContainer, createMany, dockerAvailable, removeOurs } from './lib/docker.ts';
import { startEngineTap } from './lib/engine-tap.ts';
import { startDrowse, type BenchService } from './lib/drowse.ts';
import { idleCpuPercent, memory } from './lib/proc.ts';
import { machine, writeResults } from './lib/results.ts';
import { startPeer, type PeerName, type Server } from './lib/servers.ts';
import { alternate, fmt, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';

interface Sample {
  readonly readyMs: number;
  /** Right after start-up (settleMs after listening). */
  readonly rssEarlyMB: number;
  /** Once idle long enough for drowse's memory trim to have had a quiet interval. */
  readonly rssMB: number;
  readonly idleCpu?: number;
  /** drowse only: what it asked the engine from spawn to the end of the settle period. */
  readonly engineAtStart?: Record<string, number>;
  /** drowse only, first round: what it asked the engine during the idle window. */
  readonly engineIdle?: Record<string, number>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 5, durationS: 10 });
  const many = args.count('services', 1000, 10);
  const idleS = args.count('idle', 10, 1);
  const settleMs = args.smoke ? 300 : 2000;
  // drowse gives back what start-up left behind after a quiet interval of its memory trim; two
  // intervals and a margin, so that "idle" is what a running drowse settles at.
  const idleAfterMs = args.smoke ? 600 : 2 * TRIM_INTERVAL_MS + 2000;
  const tools = await ensureTools();
  if (!(await dockerAvailable())) throw new Error('startup needs a Docker engine (drowse reads its services\' containers at start)');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-startup-'));
  const commands = new Set<string>();
  // drowse reaches the engine through this tap, which counts its calls (event streams above all).
  const tap = await startEngineTap(path.join(dir, 'engine-tap.sock'));
  try {
    // Nothing listens on the target: no service is woken here, so none is ever proxied to.
    const target = `http://127.0.0.1:${await freePort()}`;
    const one: BenchService[] = [{ name: 'one', container: await createContainer({ name: 'startup', cmd: ['sleep', '86400'], start: false }), host: 'one.lan', target }];
    const t0 = performance.now();
    const names = await createMany('startup-many', many);
    const createS = (performance.now() - t0) / 1000;
    const manyServices = names.map((container, i) => ({ name: `s${i}`, container, host: `s${i}.lan`, target }));

    const subjects = ['drowse (1 service)', `drowse (${many} services)`, ...(['nginx', 'caddy'] as PeerName[]).filter((p) => tools[p])];
    const results = await alternate(args.runs, subjects, async (subject, round): Promise<Sample> => {
      let s: Server;
      const isDrowse = subject.startsWith('drowse');
      tap.reset();
      if (isDrowse) s = await startDrowse(dir, subject.includes('(1 ') ? one : manyServices, { engineSocket: tap.socket });
      else {
        const peer = await startPeer(subject as PeerName, tools, path.join(dir, `${subject}-${round}`), 9);
        if (!peer) throw new Error(`${subject} missing`);
        s = peer;
      }
      commands.add(s.command.replace(/-\d+\.yaml/, '-<port>.yaml').replace(/-\d+\//g, '-<round>/'));
      try {
        await new Promise((r) => setTimeout(r, settleMs));
        const rssEarlyMB = (await memory(s.pid)).rssMB;
        const engineAtStart = Object.fromEntries(tap.counts());
        await new Promise((r) => setTimeout(r, idleAfterMs - settleMs));
        const rssMB = (await memory(s.pid)).rssMB;
        tap.reset();
        // Idle CPU once per subject (the window is long); the first round.
        const idleCpu = round === 0 ? await idleCpuPercent(s.pid, idleS) : undefined;
        const engineIdle = Object.fromEntries(tap.counts());
        return {
          readyMs: s.readyMs, rssEarlyMB, rssMB, ...(idleCpu === undefined ? {} : { idleCpu }),
          ...(isDrowse ? { engineAtStart, ...(idleCpu === undefined ? {} : { engineIdle }) } : {}),
        };
      } finally {
        await s.stop();
      }
    });

    const rows = subjects.map((name) => {
      const xs = results.get(name) ?? [];
      const cpu = xs.find((x) => x.idleCpu !== undefined)?.idleCpu;
      const atStart = xs[0]?.engineAtStart;
      const idle = xs.find((x) => x.engineIdle !== undefined)?.engineIdle;
      const total = (c: Record<string, number> | undefined) => Object.values(c ?? {}).reduce((a, b) => a + b, 0);
      return [
        name, fmt(summarize(xs.map((x) => x.readyMs)), 0, ' ms'), fmt(summarize(xs.map((x) => x.rssEarlyMB)), 0, ' MB'), fmt(summarize(xs.map((x) => x.rssMB)), 0, ' MB'), cpu === undefined ? '—' : `${cpu.toFixed(2)} %`,
        atStart ? String(atStart['GET /events'] ?? 0) : '—',
        atStart ? `${total(atStart)} (${Object.entries(atStart).map(([k, v]) => `${k} ×${v}`).join(', ')})` : '—',
        idle ? `${((total(idle) / idleS) * 60).toFixed(1)}` : '—',
      ];
    });
    await writeResults(args.out, {
      name: 'startup',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `Spawn (pinned to core 0) → 127.0.0.1 port accepting a TCP connection, polled every 2 ms; ${args.runs} alternated rounds, medians with min–max. RSS: VmRSS of the process tree ${settleMs} ms after listening (early) and ${idleAfterMs} ms after (idle: drowse's memory trim gives back what start-up left once a ${TRIM_INTERVAL_MS / 1000} s interval has been quiet). Idle CPU: (utime+stime) from /proc/PID/stat over ${idleS} s in the first round, as % of one core. The ${many} services are real stopped containers created by the benchmark (${createS.toFixed(1)} s to create). Engine calls: drowse reaches the engine through a counting unix-socket tap (bench/lib/engine-tap.ts); event streams are its GET /events, calls at start run from spawn to the end of the settle period (first round), idle calls are per minute over the idle window.`,
      commands: [...commands],
      tables: [{ title: 'Start-up and idle', headers: ['subject', 'start → listening', `RSS at ${settleMs / 1000} s`, 'RSS idle', 'idle CPU', 'event streams', 'engine calls at start', 'engine calls / min idle'], rows }],
      data: { services: many, idleS, settleMs, idleAfterMs, createS, results: Object.fromEntries(results) },
    });
  } finally {
    await tap.close();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
