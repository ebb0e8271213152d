/** Medians and spread of repeated runs, and the alternation that makes them comparable. */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, n: sorted.length };
}

/** The value at quantile q (0..1) of unsorted samples, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Runs fn for every subject, round after round (A B C A B C …), so that a machine that gets slower
 * or faster during the benchmark moves every subject alike instead of favouring whichever ran first.
 */
export async function alternate<S, R>(rounds: number, subjects: readonly S[], fn: (subject: S, round: number) => Promise<R>): Promise<Map<S, R[]>> {
  const out = new Map<S, R[]>(subjects.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of subjects) out.get(subject)?.push(await fn(subject, round));
  }
  return out;
}

/** "12.3k (11.0k–13.1k)": a median with its spread, for tables. */
export function fmt(s: Summary, digits = 0, unit = ''): string {
  if (s.n === 0) return '—';
  const f = (v: number) => (Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(digits));
  return s.n === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}
