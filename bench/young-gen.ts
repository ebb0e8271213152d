/**
 * The young generation's size: drowse under the warm load (100 B and 1 MiB, 50 keep-alive
 * connections to the nginx backend) with each --max-semi-space-size, alternated: req/s, p99, RSS
 * under load and process CPU per request. It is how the flag in `npm start` was chosen.
 *
 *   npm run bench:young-gen   (node bench/young-gen.ts [--runs N] [--duration S] [--smoke])
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib/args.ts';
import { createContainer, dockerAvailable, removeOurs } from './lib/docker.ts';
import { startDrowse, startFlags, waitState, type RunningDrowse } from './lib/drowse.ts';
import { cpuSeconds, memory, sampleMemory } from './lib/proc.ts';
import { machine, writeResults } from './lib/results.ts';
import { startBackend, SIZES, type Size } from './lib/servers.ts';
import { alternate, fmt, summarize } from './lib/stats.ts';
import { ensureTools } from './lib/tools.ts';
import { runWrk } from './lib/wrk.ts';

const CONNECTIONS = 50;
const HOST = 'bench.lan';
/** MB per semi-space; V8's own default on a machine with much memory grows to 16 and beyond. */
const SEMI_SPACES = [1, 2, 4, 8, 16] as const;

interface Sample {
  readonly idleMB: number;
  readonly rps: Record<Size, number>;
  readonly p99Ms: Record<Size, number>;
  readonly rssMB: Record<Size, number>;
  readonly cpuUsPerRequest: Record<Size, number>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { runs: 3, durationS: 5 });
  const tools = await ensureTools();
  if (!tools.nginx || !tools.wrk) throw new Error('young-gen needs nginx (the backend) and wrk');
  if (!(await dockerAvailable())) throw new Error('young-gen needs a Docker engine (the service\'s workload is a container)');
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-young-gen-'));
  const backend = await startBackend(tools, dir);
  const commands = new Set<string>([backend.command]);
  try {
    const container = await createContainer({ name: 'young-gen', cmd: ['sleep', '86400'], start: true });
    const service = [{ name: 'bench', container, host: HOST, target: `http://127.0.0.1:${backend.port}` }];
    // The other flags npm start passes stay; only the semi-space size varies.
    const others = startFlags().filter((f) => !f.startsWith('--max-semi-space-size'));
    const subjects = (args.smoke ? [1, 8] : SEMI_SPACES).map((mb) => `--max-semi-space-size=${mb}`);
    const results = await alternate(args.runs, subjects, async (flag): Promise<Sample> => {
      const d: RunningDrowse = await startDrowse(dir, service, { nodeFlags: [...others, flag] });
      commands.add(d.command.replace(/drowse-\d+\.yaml/, 'drowse-<port>.yaml'));
      try {
        await waitState(d, HOST, ['ready']);
        const idleMB = (await memory(d.pid)).rssMB;
        const sample: Sample = { idleMB, rps: { '100b': 0, '1m': 0 }, p99Ms: { '100b': 0, '1m': 0 }, rssMB: { '100b': 0, '1m': 0 }, cpuUsPerRequest: { '100b': 0, '1m': 0 } };
        for (const size of Object.keys(SIZES) as Size[]) {
          const sampler = sampleMemory(d.pid);
          const cpu0 = await cpuSeconds(d.pid);
          const r = await runWrk({ wrk: tools.wrk ?? 'wrk', url: `http://127.0.0.1:${d.port}/${size}`, connections: CONNECTIONS, durationS: args.durationS, host: HOST });
          const cpu = (await cpuSeconds(d.pid)) - cpu0;
          commands.add(r.command.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>'));
          sample.rps[size] = r.rps;
          sample.p99Ms[size] = r.p99Ms;
          sample.rssMB[size] = (await sampler.stop()).rssMB;
          sample.cpuUsPerRequest[size] = r.rps > 0 ? (cpu * 1e6) / (r.rps * args.durationS) : 0;
        }
        return sample;
      } finally {
        await d.stop();
      }
    });
    const rows = subjects.map((flag) => {
      const xs = results.get(flag) ?? [];
      const col = (f: (x: Sample) => number, digits = 0, unit = '') => fmt(summarize(xs.map(f)), digits, unit);
      return [
        flag, col((x) => x.idleMB, 0, ' MB'),
        col((x) => x.rps['100b']), col((x) => x.p99Ms['100b'], 1, ' ms'), col((x) => x.rssMB['100b'], 0, ' MB'), col((x) => x.cpuUsPerRequest['100b'], 0, ' µs'),
        col((x) => x.rps['1m']), col((x) => x.p99Ms['1m'], 0, ' ms'), col((x) => x.rssMB['1m'], 0, ' MB'), col((x) => x.cpuUsPerRequest['1m'], 0, ' µs'),
      ];
    });
    await writeResults(args.out, {
      name: 'young-gen',
      machine: await machine(tools),
      note: args.note,
      smoke: args.smoke,
      method: `drowse (1 service, in front of the nginx backend) started once per flag and round, ${args.runs} alternated rounds; per start: RSS idle, then wrk with ${CONNECTIONS} keep-alive connections for ${args.durationS} s on 100 B and on 1 MiB. Medians with min–max. drowse pinned to core 0, nginx and wrk to core 1. RSS under load: the largest VmRSS sampled every 200 ms; CPU per request: drowse's utime+stime over the run / requests.`,
      commands: [...commands],
      tables: [{ title: 'Young generation (--max-semi-space-size)', headers: ['flag', 'RSS idle', '100 B req/s', '100 B p99', '100 B RSS', '100 B CPU/req', '1 MiB req/s', '1 MiB p99', '1 MiB RSS', '1 MiB CPU/req'], rows }],
      data: { connections: CONNECTIONS, durationS: args.durationS, runs: args.runs, results: subjects.map((s) => ({ flag: s, samples: results.get(s) })) },
    });
  } finally {
    await backend.stop();
    await removeOurs();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
