/**
 * Runs every benchmark, one after the other, each in its own process (so one's memory or a crash
 * never touches the next); options are passed on to each (--smoke, --runs N, --duration S, --out,
 * --note). `--only warm,herd` picks some. Exits 1 when any failed.
 *
 *   npm run bench            (node bench/run.ts [--smoke] [--only a,b] [options])
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const BENCHMARKS = ['warm', 'startup', 'herd', 'wake', 'browser', 'soak', 'profile', 'young-gen'] as const;

function runOne(name: string, args: readonly string[], deadlineMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, `${name}.ts`), ...args], { stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`bench: ${name} passed its deadline of ${deadlineMs / 1000} s; stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, deadlineMs);
    child.once('close', (code) => { clearTimeout(timer); resolve(code ?? 1); });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--only');
  const only = at >= 0 ? (argv[at + 1] ?? '').split(',').filter(Boolean) : [...BENCHMARKS];
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  const unknown = only.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  const deadlineMs = (rest.includes('--smoke') ? 240 : 3600) * 1000;
  const failed: string[] = [];
  for (const name of only) {
    console.error(`\nbench: ${name}`);
    if ((await runOne(name, rest, deadlineMs)) !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    console.error(`bench: failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

if (import.meta.main) await main();
