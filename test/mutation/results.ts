/**
 * Turns Stryker's JSON report into test/mutation/RESULTS.md: the score of each mutated folder, and
 * the kinds of mutants that survived. Run by `npm run mutate` after Stryker (as `postmutate`). A run
 * over some folders (MUTATE_FOLDERS) replaces their rows and keeps the others', each row dated; the
 * numbers ride along in a comment at the end of the file so the next run can merge them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Mutant { readonly status: string; readonly mutatorName: string }
interface Report { readonly files: Record<string, { readonly mutants: readonly Mutant[] }> }

const root = path.resolve(import.meta.dirname, '../..');
const reportFile = process.env['MUTATE_REPORT'] ?? path.join(root, 'reports/mutation/mutation.json');
const resultsFile = path.join(root, 'test/mutation/RESULTS.md');
const TARGET = 80;

/** src/proxy/http/gate.ts → src/proxy: a folder is one concept, its subfolders count with it. */
const folderOf = (file: string) => file.split('/').slice(0, 2).join('/');

interface Tally { killed: number; timeout: number; survived: number; noCoverage: number; errors: number; survivors: Map<string, number>; date?: string }

export function tally(report: Report): Map<string, Tally> {
  const folders = new Map<string, Tally>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const key = folderOf(file);
    const t = folders.get(key) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, survivors: new Map() };
    folders.set(key, t);
    for (const m of mutants) {
      if (m.status === 'Killed') t.killed++;
      else if (m.status === 'Timeout') t.timeout++;
      else if (m.status === 'Survived' || m.status === 'NoCoverage') {
        if (m.status === 'Survived') t.survived++;
        else t.noCoverage++;
        t.survivors.set(m.mutatorName, (t.survivors.get(m.mutatorName) ?? 0) + 1);
      } else if (m.status === 'CompileError' || m.status === 'RuntimeError') t.errors++;
    }
  }
  return folders;
}

/** Stryker's score: detected (killed or timed out) over all valid mutants. */
export const score = (t: Tally) => {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? 100 : (100 * (t.killed + t.timeout)) / valid;
};

export function render(folders: Map<string, Tally>, when: Date, command: string): string {
  const rows = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = [
    '# Mutation testing results',
    '',
    'Written by `npm run mutate` (Stryker over the unit tests, `src/**/*.test.ts`); see stryker.config.mjs.',
    `A mutant is killed when a test fails with it in place; the target is at least ${TARGET} % killed in each folder.`,
    '',
    `- Last run: ${when.toISOString().slice(0, 10)}`,
    `- Machine: ${os.cpus().length} cores, Node ${process.version}`,
    `- Command: \`${command}\``,
    '',
    '| folder | mutants | killed | timed out | survived | no coverage | score | target met | run on |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map(([folder, t]) => {
      const s = score(t);
      return `| ${folder} | ${t.killed + t.timeout + t.survived + t.noCoverage} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${s.toFixed(1)} % | ${s >= TARGET ? 'yes' : 'no'} | ${t.date ?? when.toISOString().slice(0, 10)} |`;
    }),
    '',
    '## Surviving mutants by kind',
    '',
    ...rows.map(([folder, t]) => {
      const kinds = [...t.survivors.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
      return `- ${folder}: ${kinds.length ? kinds.join(', ') : 'none'}`;
    }),
    '',
    'The full report (each survivor with its line) is in reports/mutation/mutation.html after a run.',
    '',
    `<!-- data: ${JSON.stringify(Object.fromEntries(rows.map(([f, t]) => [f, { ...t, survivors: Object.fromEntries(t.survivors) }])))} -->`,
    '',
  ];
  return lines.join('\n');
}

/** The rows of an earlier RESULTS.md, from the data comment at its end. */
export function previous(text: string): Map<string, Tally> {
  const m = /<!-- data: (.*) -->/.exec(text);
  if (!m) return new Map();
  const data = JSON.parse(m[1]!) as Record<string, Tally & { survivors: Record<string, number> }>;
  return new Map(Object.entries(data).map(([f, t]) => [f, { ...t, survivors: new Map(Object.entries(t.survivors)) }]));
}

if (import.meta.main) {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Report;
  const command = process.env['MUTATE_COMMAND'] ?? (process.env['MUTATE_FOLDERS'] ? `MUTATE_FOLDERS=${process.env['MUTATE_FOLDERS']} npm run mutate` : 'npm run mutate');
  const now = new Date();
  const rows = fs.existsSync(resultsFile) ? previous(fs.readFileSync(resultsFile, 'utf8')) : new Map<string, Tally>();
  for (const [folder, t] of tally(report)) rows.set(folder, { ...t, date: now.toISOString().slice(0, 10) });
  const text = render(rows, now, command);
  fs.writeFileSync(resultsFile, text);
  process.stdout.write(text);
}
