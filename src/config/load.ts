import { open } from 'node:fs/promises';
import path from 'node:path';
import { decodeConfig, MAX_CONFIG_BYTES, sizeProblem } from './input.ts';
import { parseConfig } from './parse.ts';
import type { LoadResult } from './problems.ts';
import type { DrowseConfig } from './types.ts';

/** Where a config is looked for when none is named, after ./drowse.yaml. */
export const SYSTEM_CONFIG_PATH = '/etc/drowse/drowse.yaml';

/** The source name of the built-in config used when no file is found. */
export const EMBEDDED_SOURCE = '(embedded default)';

// Written as YAML and run through the same parser, so the default obeys every rule a file does.
const EMBEDDED_YAML = `
entrypoints: { http: ":8080" }
providers:
  docker:
    local: { socket: /var/run/docker.sock, labels: true }
`;

/** Where to look for the config; everything injectable so tests need no real /etc or cwd. */
export interface LoadOptions {
  /** A file named on the command line (-c); it must exist. */
  readonly file?: string;
  /** Environment for $DROWSE_CONFIG and ${VAR} expansion; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory ./drowse.yaml and relative paths are read from; default process.cwd(). */
  readonly cwd?: string;
  /** The system-wide config path; default /etc/drowse/drowse.yaml. */
  readonly systemPath?: string;
}

/** Finds and parses the config: -c FILE, else $DROWSE_CONFIG, else ./drowse.yaml, else the system path, else the embedded default. */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadResult> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  // A file someone named must exist; only the places drowse guesses may be absent.
  const named = opts.file ?? (env.DROWSE_CONFIG || undefined);
  if (named !== undefined) return loadFile(named, path.resolve(cwd, named), env, true);

  const guesses = [
    { source: opts.cwd === undefined ? 'drowse.yaml' : path.join(opts.cwd, 'drowse.yaml'), at: path.resolve(cwd, 'drowse.yaml') },
    { source: opts.systemPath ?? SYSTEM_CONFIG_PATH, at: path.resolve(cwd, opts.systemPath ?? SYSTEM_CONFIG_PATH) },
  ];
  for (const guess of guesses) {
    const result = await loadFile(guess.source, guess.at, env, false);
    if (result) return result;
  }
  return embeddedResult();
}

/** The config drowse runs with when no file exists: Docker on the local socket, HTTP on :8080, no services. */
export function embeddedDefault(): DrowseConfig {
  return embeddedResult().config;
}

function embeddedResult(): { ok: true; config: DrowseConfig; warnings: readonly string[] } {
  const result = parseConfig(EMBEDDED_YAML, EMBEDDED_SOURCE, {});
  if (!result.ok) throw new Error(`embedded default config is invalid: ${result.problems.map((p) => p.message).join('; ')}`);
  // Warnings are about what a user wrote; the embedded default's own settings need none (the
  // daemon's start-up log says when no services are configured).
  const warnings: string[] = [];
  return { ok: true, config: result.config, warnings };
}

async function loadFile(source: string, at: string, env: NodeJS.ProcessEnv, required: true): Promise<LoadResult>;
async function loadFile(source: string, at: string, env: NodeJS.ProcessEnv, required: false): Promise<LoadResult | undefined>;
async function loadFile(source: string, at: string, env: NodeJS.ProcessEnv, required: boolean): Promise<LoadResult | undefined> {
  let read: { bytes: Buffer } | { size: number };
  try {
    read = await readBounded(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${(err as Error).message}`;
    return { ok: false, source, problems: [{ file: source, line: 0, col: 0, path: '', message }] };
  }
  const size = sizeProblem('size' in read ? read.size : read.bytes.length);
  if (size !== undefined || !('bytes' in read)) return { ok: false, source, problems: [{ file: source, line: 0, col: 0, path: '', message: size ?? 'too large' }] };
  const decoded = decodeConfig(read.bytes, source);
  if ('problem' in decoded) return { ok: false, source, problems: [decoded.problem] };
  return parseConfig(decoded.text, source, env);
}

/** How much a read asks for when the size is not known. */
const READ_CHUNK = 64 * 1024;

/**
 * The file's bytes, at most one past the limit: stat refuses a large file unread, and the bounded
 * read keeps a file that grows, a pipe or /dev/zero from filling memory. {size} when it is too large.
 */
export async function readBounded(at: string): Promise<{ bytes: Buffer } | { size: number }> {
  const handle = await open(at, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stat.isFile() && stat.size > MAX_CONFIG_BYTES) return { size: stat.size };
    // Buffers the size of what is there, not of the limit: the bytes outlive the read (a buffer
    // of 4 MiB behind a small config stayed in RSS until a full GC). A regular file says its size
    // (one byte more shows it grew); anything else, and a file that did grow, is read in chunks.
    const chunks: Buffer[] = [];
    let length = 0;
    let want = stat.isFile() ? stat.size + 1 : READ_CHUNK;
    while (length <= MAX_CONFIG_BYTES) {
      const chunk = Buffer.allocUnsafe(Math.min(want, MAX_CONFIG_BYTES + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      want = READ_CHUNK;
    }
    return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) };
  } finally {
    await handle.close();
  }
}
