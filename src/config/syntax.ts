import type { LineCounter, YAMLError } from 'yaml';
import { MAX_NESTING } from './input.ts';
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
    // Nesting deep enough to overflow the parser's stack: where it gave up depends on the stack, so one problem for the file.
    if (error instanceof RangeError || /call stack|stack overflow/i.test(error.message)) {
      if (!problems.some((p) => p.message.startsWith('the config nests'))) {
        problems.push({ file, line: lines.linePos(error.pos[0]).line, col: 1, path: '', message: `the config nests deeper than ${MAX_NESTING} levels` });
      }
      continue;
    }
    const { line, col } = lines.linePos(error.pos[0]);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    const source = text.slice(lines.lineStarts[line - 1] ?? 0, lines.lineStarts[line] ?? text.length);
    problems.push({ file, line, col, path: '', message: messageFor(error) + (unquotedReferenceInFlow(source) ? QUOTE_HINT : '') });
  }
  return problems;
}

function messageFor(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'a config file holds one YAML document; remove the second "---"';
  return error.message;
}

/**
 * Whether a line has "{" or "[" and later "${" with no quote between them: an unquoted ${VAR}
 * inside a flow collection, which YAML reads as "$" and a nested map. One pass, so a long line of
 * brackets costs no more than its length.
 */
function unquotedReferenceInFlow(line: string): boolean {
  let open = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' || c === "'") open = false;
    else if (c === '{' || c === '[') open = true;
    else if (open && c === '$' && line[i + 1] === '{') return true;
  }
  return false;
}
