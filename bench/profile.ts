/**
 * Where the warm path spends its time: drowse in front of the nginx backend under wrk (100 B, 50
 * keep-alive connections) with V8's sampling profiler on (`--cpu-prof`), then the functions with the
 * most time of their own, grouped by module. The .cpuprofile is kept for a flame graph (open it in
 * Chrome DevTools → Performance, or speedscope); its path is printed.
 *
 *   npm run bench:profile         (node bench/profile.ts [--duration S] [--smoke])
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib/args.ts';
import { bundleOrigin, summarizeProfile, type CpuProfile } from './lib/profile-summary.ts';
import { createContainer, dockerAvailable, removeOurs } from './lib/docker.ts';
import { startDrowse, waitState } from './lib/drowse.ts';
import { machine, writeResults } from './lib/results.ts';
import { startBackend, type Server } from './lib/servers.ts';
import { ensureTools } from './lib/tools.ts';
import { runWrk } from './lib/wrk.ts';

const HOST = 'bench.lan';
const REPO_ROOT = path.resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 1, durationS: 10 });
  const tools = await ensureTools();
  if (!tools.nginx || !tools.wrk) throw new Error('profile needs nginx (the backend) and wrk');
  if (!(await dockerAvailable())) throw new Error('profile needs a Docker engine (the service runs as a container)');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-profile-'));
  const profiles = path.join(dir, 'profiles');
  const servers: Server[] = [];
  try {
    const backend = await startBackend(tools, dir);
    servers.push(backend);
    const container = await createContainer({ name: 'profile', cmd: ['sleep', '86400'], start: true });
    const d = await startDrowse(dir, [{ name: 'bench', container, host: HOST, target: `http://127.0.0.1:${backend.port}` }], { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profiles}` } });
    await waitState(d, HOST, ['ready']);
    const load = await runWrk({ wrk: tools.wrk ?? 'wrk', url: `http://127.0.0.1:${d.port}/100b`, connections: 50, durationS: args.durationS, host: HOST });
    // The profile is written when the process exits.
    await d.stop();
    const file = (await readdir(profiles)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('drowse wrote no .cpuprofile');
    const origin = await bundleOrigin(path.join(REPO_ROOT, 'dist'));
    const summary = summarizeProfile(JSON.parse(await readFile(path.join(profiles, file), 'utf8')) as CpuProfile, origin);
    const share = (us: number) => `${((100 * us) / summary.total).toFixed(1)} %`;
    const kept = path.join(args.out, 'profiles', `${new Date().toISOString().slice(0, 10)}-warm-100b.cpuprofile`);
    await mkdir(path.dirname(kept), { recursive: true });
    await copyFile(path.join(profiles, file), kept);
    await writeResults(args.out, {
      name: 'profile',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `drowse (dist/, core 0, --cpu-prof) in front of nginx (core 1); wrk 50 keep-alive connections for ${args.durationS} s on /100b (${Math.round(load.rps)} req/s while profiled). Self time per function and per module, bundled code mapped back to its source file or package through dist/'s source maps; the profile itself: ${kept}.`,
      commands: [d.command, load.command],
      tables: [
        { title: 'Self time by module', headers: ['module', 'share'], rows: summary.modules.slice(0, 15).map(([m, us]) => [m, share(us)]) },
        { title: 'Self time by function (top 25)', headers: ['function', 'share'], rows: summary.functions.slice(0, 25).map(([f, us]) => [f, share(us)]) },
      ],
      data: { rps: load.rps, totalUs: summary.total, modules: summary.modules.slice(0, 40), functions: summary.functions.slice(0, 100) },
    });
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
