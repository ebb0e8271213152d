import type { DrowseConfig } from './types.ts';

/** One thing wrong with a config file; line and col are 1-based, 0 when the problem is the whole file. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted path of the key, array indices as numbers ("services.app.http.host.1"); "" for the document. */
  readonly path: string;
  readonly message: string;
}

/** A config that resolved (with things worth saying), or every problem that stopped it. */
export type LoadResult =
  | { readonly ok: true; readonly config: DrowseConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly source: string; readonly problems: readonly ConfigProblem[] };

/** "FILE:LINE:COL: path: message", the way compilers print, so editors and terminals link to it. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

/** Problems in reading order; problems at the same spot keep the order they were found in. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}
