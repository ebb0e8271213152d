/**
 * The options every benchmark takes: --smoke (seconds, tiny counts, one run), --runs N,
 * --duration S (seconds per load run), --out DIR (results directory; bench/results unless told),
 * --note TEXT (written into the results, e.g. "machine busy"), and named counts (--services N ...).
 */
import path from 'node:path';

export interface BenchArgs {
  readonly smoke: boolean;
  readonly runs: number;
  readonly durationS: number;
  readonly out: string;
  readonly note: string;
  /** A named numeric option (`--name N`), or the smoke or full default. */
  count(name: string, full: number, smoke: number): number;
}

export const RESULTS_DIR = path.resolve(import.meta.dirname, '..', 'results');

export function parseArgs(argv: readonly string[], defaults: { runs: number; durationS: number }): BenchArgs {
  const values = new Map<string, string>();
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--smoke') smoke = true;
    else if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`option --${key} needs a value`);
      values.set(key, value);
    } else throw new Error(`unexpected argument "${arg}"`);
  }
  const num = (key: string, fallback: number): number => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} expects a positive number, got "${raw}"`);
    return n;
  };
  return {
    smoke,
    runs: Math.round(num('runs', smoke ? 1 : defaults.runs)),
    durationS: num('duration', smoke ? 1 : defaults.durationS),
    out: path.resolve(values.get('out') ?? RESULTS_DIR),
    note: values.get('note') ?? process.env.BENCH_NOTE ?? '',
    count: (name, full, smokeValue) => Math.round(num(name, smoke ? smokeValue : full)),
  };
}
