import type { ConfigProblem } from './problems.ts';

/**
 * Bounds on what is parsed at all. A homelab config is a few KiB; 10,000 services are about 1.5
 * MiB. Past these limits the input is a mistake or an attack, and parsing it would only spend
 * seconds and gigabytes before saying so.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Maps and lists inside each other; real configs use about 6. The YAML parser overflows its stack near 1,000. */
export const MAX_NESTING = 64;
/** Alias uses, weighted by what they expand to (the yaml library's own measure). */
export const MAX_ALIAS_COUNT = 100;

const MiB = 1024 * 1024;

/** "the config file is 5.0 MiB; the limit is 4 MiB", or undefined when size is within the limit. */
export function sizeProblem(bytes: number): string | undefined {
  if (bytes <= MAX_CONFIG_BYTES) return undefined;
  const mib = bytes / MiB;
  return `the config file is ${mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB; the limit is ${MAX_CONFIG_BYTES / MiB} MiB`;
}

/** The text of a file, or the problem that it is not UTF-8 text, positioned at the first bad byte. */
export function decodeConfig(bytes: Uint8Array, file: string): { text: string } | { problem: ConfigProblem } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    // The lenient decoding puts U+FFFD where the strict one gave up; that is the place to show.
    const lenient = new TextDecoder('utf-8').decode(bytes);
    return { problem: { file, ...positionOf(lenient, Math.max(0, lenient.indexOf('\uFFFD'))), path: '', message: 'the file is not valid UTF-8 here; save it as UTF-8' } };
  }
}

/** Offset of the first C0 control other than tab, LF and CR, or DEL; YAML forbids them and the parser passes them on. */
function firstControl(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return -1;
}

/** Problems with the text as text, found before YAML sees it: size, NUL bytes and control characters. */
export function textProblems(text: string, file: string): ConfigProblem[] {
  // Characters are at most bytes, so only a long text needs the exact byte count.
  const size = text.length > MAX_CONFIG_BYTES / 4 ? sizeProblem(Buffer.byteLength(text)) : undefined;
  if (size !== undefined) return [{ file, line: 0, col: 0, path: '', message: size }];
  const at = firstControl(text);
  if (at < 0) return [];
  const code = text.charCodeAt(at);
  const message = code === 0 ? 'a NUL byte; a config file is text' : `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}; a config file is text`;
  return [{ file, ...positionOf(text, at), path: '', message }];
}

/** 1-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}
