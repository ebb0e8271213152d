/**
 * The benchmark harness keeps working: every benchmark runs in --smoke mode (seconds, tiny counts,
 * one run, whatever peers exist) and writes a results entry with numbers. No timing is asserted.
 * Needs nginx and wrk (the warm backend and load generator; bench installs them when root) and a
 * Docker engine; without them it skips with the reason, except under CI=true, where it fails.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dockerAvailable } from '../helpers/index.ts';
import { which } from '../../bench/lib/index.ts';

const run = promisify(execFile);
const BENCH = path.resolve(import.meta.dirname, '..', '..', 'bench');
const SMOKE_TIMEOUT_MS = 240_000;

async function skipReason(): Promise<string | false> {
  const missing = ['nginx', 'wrk', 'taskset'].filter((t) => !which(t));
  const reasons: string[] = [];
  if (missing.length > 0 && process.getuid?.() !== 0) reasons.push(`missing ${missing.join(', ')} and not root to install them (apt-get install nginx wrk)`);
  if (!(await dockerAvailable())) reasons.push('no Docker engine answers');
  if (reasons.length === 0) return false;
  if (process.env['CI'] === 'true') throw new Error(`bench smoke: ${reasons.join('; ')}; CI=true, so this is a failure, not a skip`);
  return reasons.join('; ');
}

type Results = { name: string; smoke: boolean; tables: { rows: string[][] }[]; data: Record<string, unknown>; machine: { nproc: number } };

/** What each benchmark must have measured: a few of its figures, each a finite number. */
const FIGURES: Record<string, (data: Record<string, unknown>) => unknown[]> = {
  warm: (d) => (d.results as { samples: { rps: number; p99Ms: number; memory: { rssMB: number } }[] }[]).flatMap((r) => r.samples.flatMap((s) => [s.rps, s.p99Ms, s.memory.rssMB])),
  startup: (d) => Object.values(d.results as Record<string, { readyMs: number; rssEarlyMB: number; rssMB: number }[]>).flat().flatMap((s) => [s.readyMs, s.rssEarlyMB, s.rssMB]),
  herd: (d) => (d.runs as { served: number; p99Ms: number; starts: number }[]).flatMap((r) => [r.served, r.p99Ms, r.starts]),
  wake: (d) => [d.overheadMs, (d.direct as { median: number }).median, (d.drowse as { median: number }).median],
  browser: (d) => [d.overMs, (d.floor as { median: number }).median, (d.browser as { median: number }).median],
  soak: (d) => [d.growthMB, (d.baseline as { rssMB: number }).rssMB, (d.afterLoad as { heapMB: number }).heapMB],
  profile: (d) => [d.rps, d.totalUs, ...(d.modules as [string, number][]).map(([, us]) => us)],
  'young-gen': (d) => (d.results as { samples: { idleMB: number; rps: Record<string, number>; rssMB: Record<string, number> }[] }[]).flatMap((r) => r.samples.flatMap((x) => [x.idleMB, ...Object.values(x.rps), ...Object.values(x.rssMB)])),
};

describe('bench --smoke: every benchmark writes a results entry with numbers', { skip: await skipReason() }, () => {
  for (const [name, figures] of Object.entries(FIGURES)) {
    test(`${name} produces markdown and JSON results with finite figures`, { timeout: SMOKE_TIMEOUT_MS + 30_000 }, async () => {
      const out = await fs.mkdtemp(path.join(os.tmpdir(), `drowse-bench-smoke-${name}-`));
      try {
        await run(process.execPath, [path.join(BENCH, `${name}.ts`), '--smoke', '--out', out], { timeout: SMOKE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 })
          .catch((err: { stderr?: string; message: string }) => { throw new Error(`${name} --smoke failed: ${err.message}\n${(err.stderr ?? '').slice(-3000)}`, { cause: err }); });
        const files = await fs.readdir(out);
        const json = files.find((f) => f.endsWith(`-${name}-smoke.json`));
        assert.ok(json, `no ${name} JSON in ${files.join(', ')}`);
        assert.ok(files.includes(json.replace(/\.json$/, '.md')), 'the markdown table is written beside the JSON');
        const r = JSON.parse(await fs.readFile(path.join(out, json), 'utf8')) as Results;
        assert.equal(r.name, name);
        assert.equal(r.smoke, true);
        assert.ok(r.machine.nproc > 0);
        assert.ok(r.tables[0] && r.tables[0].rows.length > 0, 'a table with rows');
        const values = figures(r.data);
        assert.ok(values.length > 0, 'some figures');
        for (const v of values) assert.ok(typeof v === 'number' && Number.isFinite(v), `figure ${String(v)} is a number`);
      } finally {
        await fs.rm(out, { recursive: true, force: true });
      }
    });
  }
});
