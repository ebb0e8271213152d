/**
 * The warm path: req/s, p50/p99 latency and RSS under load of each proxy in front of the same
 * nginx backend (100 B and 1 MiB files, 50 keep-alive connections), side by side and alternated:
 * round after round every subject runs once per size. Proxies on core 0; backend and wrk on core 1.
 *
 *   npm run bench:warm            (node bench/warm.ts [--runs N] [--duration S] [--smoke])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib/args.ts';
import { createContainer, dockerAvailable, removeOurs } from './lib/docker.ts';
import { startDrowse, startFlags, waitState } from './lib/drowse.ts';
import { memory, sampleMemory, type Memory } from './lib/proc.ts';
import { machine, writeResults } from './lib/results.ts';
import { startBackend, startNodeProxy, startPeer, SIZES, type PeerName, type Server, type Size } from './lib/servers.ts';
import { alternate, fmt, ratio, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';
import { runWrk, type WrkResult } from './lib/wrk.ts';

const CONNECTIONS = 50;
const HOST = 'bench.lan';

interface Subject {
  readonly name: string;
  readonly server: Server;
  /** The Host header to send (drowse routes by it). */
  readonly host?: string;
}

interface Sample extends WrkResult {
  readonly memory: Memory;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 3, durationS: 5 });
  const tools = await ensureTools();
  if (!tools.nginx || !tools.wrk) throw new Error('warm needs nginx (the backend) and wrk');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-warm-'));
  const servers: Server[] = [];
  try {
    const backend = await startBackend(tools, dir);
    servers.push(backend);
    const subjects: Subject[] = [{ name: 'backend direct', server: backend }];
    for (const peer of ['nginx', 'caddy', 'haproxy'] as PeerName[]) {
      const s = await startPeer(peer, tools, dir, backend.port);
      if (s) { servers.push(s); subjects.push({ name: peer, server: s }); }
    }
    // The floor for any proxy on Node and http-proxy-3, with the flags drowse runs with.
    const floor = await startNodeProxy(backend.port, startFlags());
    servers.push(floor);
    subjects.push({ name: 'node-proxy', server: floor });
    if (await dockerAvailable()) {
      // The service's workload is a running container; drowse proxies to the backend, so the warm
      // path measured is drowse's alone.
      const container = await createContainer({ name: 'warm', cmd: ['sleep', '86400'], start: true });
      const d = await startDrowse(dir, [{ name: 'bench', container, host: HOST, target: `http://127.0.0.1:${backend.port}` }]);
      servers.push(d);
      await waitState(d, HOST, ['ready']);
      subjects.push({ name: 'drowse', server: d, host: HOST });
    } else console.error('bench warm: no Docker engine answers; drowse skipped');

    const idle = new Map<string, Memory>();
    for (const s of subjects) idle.set(s.name, await memory(s.server.pid));
    const sizes = Object.keys(SIZES) as Size[];
    const cells = subjects.flatMap((s) => sizes.map((size) => ({ s, size })));
    const measure = async ({ s, size }: { s: Subject; size: Size }): Promise<Sample> => {
      const sampler = sampleMemory(s.server.pid);
      const r = await runWrk({ wrk: tools.wrk ?? 'wrk', url: `http://127.0.0.1:${s.server.port}/${size}`, connections: CONNECTIONS, durationS: args.durationS, ...(s.host ? { host: s.host } : {}) });
      return { ...r, memory: await sampler.stop() };
    };
    // Every round of the small file before any of the large one: RSS is a high-water mark (freed
    // memory is not given back at once), so a 100 B run after a 1 MiB one would report the latter's.
    const results = new Map<(typeof cells)[number], Sample[]>();
    for (const size of sizes) {
      for (const [cell, samples] of await alternate(args.runs, cells.filter((c) => c.size === size), measure)) results.set(cell, samples);
    }

    const byName = (name: string, size: Size) => results.get(cells.find((c) => c.s.name === name && c.size === size) ?? cells[0]!) ?? [];
    const med = (name: string, size: Size, f: (x: Sample) => number) => summarize(byName(name, size).map(f)).median;
    const rows = cells.map(({ s, size }) => {
      const samples = results.get(cells.find((c) => c.s === s && c.size === size)!) ?? [];
      const rps = summarize(samples.map((x) => x.rps));
      return [
        s.name, size, fmt(rps), fmt(summarize(samples.map((x) => x.p50Ms)), 2, ' ms'), fmt(summarize(samples.map((x) => x.p99Ms)), 2, ' ms'),
        ratio(rps.median, med('nginx', size, (x) => x.rps)), ratio(rps.median, med('caddy', size, (x) => x.rps)),
        ratio(summarize(samples.map((x) => x.p99Ms)).median, med('nginx', size, (x) => x.p99Ms)),
        fmt(summarize(samples.map((x) => x.memory.rssMB)), 0, ' MB'), `${(idle.get(s.name)?.rssMB ?? 0).toFixed(0)} MB`,
        String(samples.reduce((n, x) => n + x.errors, 0)),
      ];
    });
    const commands = [...servers.map((s) => s.command), ...cells.map((c) => results.get(c)?.[0]?.command ?? '')];
    await writeResults(args.out, {
      name: 'warm',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `${CONNECTIONS} keep-alive connections, ${args.durationS} s per run, ${args.runs} alternated rounds per size (every subject once per round; all 100 B rounds first, since RSS is a high-water mark); medians with min–max. Proxies pinned to core 0, backend nginx and wrk (2 threads) to core 1. RSS: the largest VmRSS of the process tree sampled every 200 ms during the run; idle: before the first run.`,
      commands,
      tables: [{ title: 'Warm path', headers: ['subject', 'file', 'req/s', 'p50', 'p99', '× nginx', '× Caddy', 'p99 × nginx', 'RSS under load', 'RSS idle', 'errors'], rows }],
      data: { connections: CONNECTIONS, durationS: args.durationS, runs: args.runs, idle: Object.fromEntries(idle), results: cells.map((c) => ({ subject: c.s.name, size: c.size, samples: results.get(c) })) },
    });
  } finally {
    for (const s of servers.reverse()) await s.stop();
    if (await dockerAvailable()) await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
