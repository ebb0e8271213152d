import type { LineCounter, YAMLError } from 'yaml';
import type { ConfigProblem } from './problems.ts';

const QUOTE_HINT = ' (put values that use ${...} inside { } or [ ] in quotes)';

/**
 * Problems for YAML syntax errors. Once the parser loses track it reports every later token as
 * "unexpected ... in YAML stream"; those echoes of the first error are dropped, and one problem
 * per line is kept, so the list points at what to fix rather than everything after it.
 */
export function syntaxProblems(errors: readonly YAMLError[], text: string, lines: LineCounter, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seenLines = new Set<number>();
  for (const error of errors) {
    if (problems.length > 0 && error.message.includes('in YAML stream')) continue;
    const { line, col } = lines.linePos(error.pos[0]);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    // An unquoted ${VAR} inside a flow collection reads as "$" and a nested map; say so.
    const source = text.slice(lines.lineStarts[line - 1] ?? 0, lines.lineStarts[line] ?? text.length);
    const hint = /[{[][^"']*\$\{/.test(source) ? QUOTE_HINT : '';
    problems.push({ file, line, col, path: '', message: error.message + hint });
  }
  return problems;
}
