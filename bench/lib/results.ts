/**
 * Results: a markdown table and a JSON file per benchmark run, bench/results/<date>-<name>.{md,json},
 * each with the machine (cores, CPU, kernel, versions), the date, the git commit and the exact commands.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import path from 'node:path';
import { TOOLS, version, type Available } from './tools.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly kernel: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly date: string;
  readonly commit: string;
}

export async function machine(tools: Available): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (src modified)';
  } catch { /* not a git checkout: the commit stays unknown */ }
  const versions: Record<string, string> = { node: process.version };
  for (const t of TOOLS) versions[t] = version(t, tools[t]);
  let docker = 'absent';
  try {
    docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch { /* no engine: the Docker benchmarks say so themselves */ }
  versions.docker = docker;
  return { nproc: cpus().length, cpu, kernel: release(), versions, date: new Date().toISOString(), commit };
}

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface Results {
  /** The benchmark's name: the file is <date>-<name>. */
  readonly name: string;
  readonly machine: Machine;
  readonly note: string;
  readonly smoke: boolean;
  readonly method: string;
  readonly commands: readonly string[];
  readonly tables: readonly Table[];
  /** Every figure, machine-readable. */
  readonly data: unknown;
}

export function markdownTable(t: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [`### ${t.title}`, '', line(t.headers), line(t.headers.map(() => '---')), ...t.rows.map(line)].join('\n');
}

export function machineLine(m: Machine): string {
  const v = Object.entries(m.versions).map(([k, val]) => `${k} ${val}`).join(', ');
  return `${m.nproc} cores (${m.cpu}), Linux ${m.kernel}; ${v}; commit ${m.commit}; ${m.date}`;
}

/** Writes both files and prints the markdown; returns the paths. */
export async function writeResults(dir: string, r: Results): Promise<{ md: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `${r.machine.date.slice(0, 10)}-${r.name}${r.smoke ? '-smoke' : ''}`);
  const md = [
    `## ${r.name}${r.smoke ? ' (smoke run: tiny counts, not a measurement)' : ''}`,
    '',
    `Machine: ${machineLine(r.machine)}`,
    ...(r.note ? ['', `**Note: ${r.note}**`] : []),
    '',
    r.method,
    '',
    ...r.tables.flatMap((t) => [markdownTable(t), '']),
    'Commands:',
    '',
    '```',
    ...r.commands,
    '```',
    '',
  ].join('\n');
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  console.log(md);
  console.error(`bench: wrote ${base}.md and .json`);
  return { md: `${base}.md`, json: `${base}.json` };
}
