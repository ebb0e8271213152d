/**
 * How config loading scales: parses generated configs of 1k, 5k and 10k services, each in a fresh
 * process so memory is its own, and prints time and memory per service. Loading is linear when the
 * per-service numbers stay flat as the count grows; the ratio column compares each size with 1k.
 * Also times what the size limit refuses. Bounded: each run has a deadline.
 *
 *   npm run bench:config            (or: node bench/config-load.ts [counts...])
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/index.ts';

const RUN_DEADLINE_MS = 60_000;
const REPEATS = 3;

/** A config of n services mixing what real ones use: http hosts, tcp routes, probes, dependencies. */
export function generate(n: number): string {
  const lines = ['entrypoints: { http: ":80" }', 'services:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  svc${i}:`, `    docker: { container: c${i} }`);
    lines.push(`    http: { host: [s${i}.lan, "*.s${i}.lan"], target: "http://127.0.0.1:${1000 + (i % 60_000)}" }`);
    if (i % 4 === 0) lines.push(`    tcp: { listen: "127.0.0.1:${2000 + (i % 60_000)}", target: "127.0.0.1:${3000 + (i % 60_000)}" }`);
    if (i % 3 === 0) lines.push('    health: { http: { path: /healthz, expect: "200-299" }, timeout: 2s }');
    if (i > 0 && i % 5 === 0) lines.push(`    depends_on: [svc${i - 1}]`);
    if (i % 7 === 0) lines.push('    idle_timeout: 1h30m');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One measurement in this process: peak RSS after the first load (later loads would only add
 * garbage not yet collected), and the best time of REPEATS loads (the first one also warms the JIT).
 */
async function measureOne(file: string): Promise<{ ms: number; rssMB: number; ok: boolean }> {
  let best = Number.POSITIVE_INFINITY;
  let ok = false;
  let rssMB = 0;
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    const result = await loadConfig({ file, env: {} });
    best = Math.min(best, performance.now() - start);
    ok = result.ok;
    if (i === 0) rssMB = process.resourceUsage().maxRSS / 1024;
  }
  return { ms: best, rssMB, ok };
}

async function child(file: string): Promise<{ ms: number; rssMB: number; ok: boolean }> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, [self, '--one', file], { timeout: RUN_DEADLINE_MS });
  return JSON.parse(stdout) as { ms: number; rssMB: number; ok: boolean };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') {
    process.stdout.write(JSON.stringify(await measureOne(process.argv[3] ?? '')));
    return;
  }
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const sizes = counts.length > 0 ? counts : [1000, 5000, 10_000];
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-bench-'));
  try {
    // The baseline: a process that loads a one-service config, so RSS per service excludes Node itself.
    const baseFile = path.join(dir, 'base.yaml');
    await writeFile(baseFile, generate(1));
    const base = await child(baseFile);

    console.log(`config load, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`);
    console.log('services  size      time      peak RSS   µs/service  KB/service  ratio (time/service vs first)');
    let first: number | undefined;
    for (const n of sizes) {
      const file = path.join(dir, `${n}.yaml`);
      const text = generate(n);
      await writeFile(file, text);
      const r = await child(file);
      if (!r.ok) throw new Error(`the generated config of ${n} services was refused`);
      const perService = (r.ms * 1000) / n;
      first ??= perService;
      const kb = ((r.rssMB - base.rssMB) * 1024) / n;
      console.log(
        `${String(n).padStart(8)}  ${(text.length / 1024 / 1024).toFixed(2).padStart(5)} MiB ${r.ms.toFixed(0).padStart(6)} ms ${r.rssMB.toFixed(0).padStart(7)} MB ${perService.toFixed(0).padStart(11)} ${kb.toFixed(1).padStart(11)}  ${(perService / first).toFixed(2)}`,
      );
    }

    // What the limit refuses costs a stat, not a parse.
    const huge = path.join(dir, 'huge.yaml');
    await writeFile(huge, Buffer.alloc(50 * 1024 * 1024, '#'));
    const refused = await child(huge);
    console.log(`50 MiB file refused by the size limit in ${refused.ms.toFixed(1)} ms (peak RSS ${refused.rssMB.toFixed(0)} MB)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Imported (for generate) it only defines; run, it measures.
if (import.meta.main) await main();
