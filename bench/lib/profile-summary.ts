/**
 * Reads a V8 .cpuprofile: self time by function and by module. drowse runs as a bundle, so frames in
 * dist/ are mapped back through its source maps to the file or package each function came from.
 */
import { readdir, readFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';

interface CallFrame { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber?: number }
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code came from before bundling: a file path (src/…, node_modules/…) and its 0-based line. */
export type Origin = (f: CallFrame) => { readonly url: string; readonly lineNumber: number } | undefined;

/**
 * Maps frames in the bundle (dist/*.cjs) back to the file each function was written in, through the
 * bundle's source map, so drowse's own code and each bundled dependency are told apart again.
 */
export async function bundleOrigin(distDir: string): Promise<Origin> {
  const maps = new Map<string, SourceMap>();
  for (const file of await readdir(distDir)) {
    if (!file.endsWith('.cjs.map')) continue;
    maps.set(file.slice(0, -'.map'.length), new SourceMap(JSON.parse(await readFile(path.join(distDir, file), 'utf8')) as SourceMapPayload));
  }
  return (f) => {
    const map = f.url.includes('/dist/') ? maps.get(f.url.split('/dist/').at(-1) ?? '') : undefined;
    const entry = map?.findEntry(f.lineNumber, f.columnNumber ?? 0);
    if (!entry || !('originalSource' in entry)) return undefined;
    return { url: path.normalize(entry.originalSource.replace(/^file:\/\//, '')), lineNumber: entry.originalLine };
  };
}

/**
 * Self time by function, and by module (a package, a drowse file, or Node's own). With `origin`,
 * bundled frames count for the source file or package they came from.
 */
export function summarizeProfile(p: CpuProfile, origin: Origin = () => undefined): { total: number; functions: [string, number][]; modules: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const f = { ...frame, ...origin(frame) };
    total += us;
    const module = moduleOf(f.url) || f.functionName || '(native)';
    const fn = `${f.functionName || '(anonymous)'} ${module}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, functions: top(functions), modules: top(modules) };
}

function moduleOf(url: string): string {
  if (url === '') return '';
  const nm = url.split('node_modules/');
  if (nm.length > 1) return nm.at(-1)?.split('/').slice(0, nm.at(-1)?.startsWith('@') ? 2 : 1).join('/') ?? url;
  const src = url.split(/(?:^|\/)src\//);
  if (src.length > 1) return `drowse src/${src.at(-1) ?? ''}`;
  const dist = url.split('/dist/');
  if (dist.length > 1) return `drowse ${dist.at(-1) ?? ''}`;
  return url;
}
