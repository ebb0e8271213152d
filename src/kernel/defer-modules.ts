/**
 * Modules of dependencies that drowse loads on first use instead of at start. dockerode requires,
 * at load, docker-modem's SSH transport (ssh2, whose crypto sets up 16 MB of WebAssembly memory)
 * and its BuildKit session code (gRPC and protobuf): about 17 MB of RSS and a tenth of start-up
 * for code a daemon on a unix socket or TCP never runs. Each listed file exports one function; a
 * stand-in with the same call sits in the CommonJS module cache under the real file's name, and
 * loads the real file when it is first called, so Docker over SSH still works, only later.
 *
 * The cache and not module hooks: a hook runs for every one of the few hundred modules drowse
 * loads, where a cache entry costs nothing for the others.
 */
import { createRequire, Module } from 'node:module';

/** A file to defer: `file` as resolved from the package `from`, which is what requires it. */
export interface Deferred {
  readonly from: string;
  readonly file: string;
}

/** Files that export a single function and that drowse never calls on its own paths. */
export const DEFERRED_FILES: readonly Deferred[] = [
  { from: 'dockerode', file: 'docker-modem/lib/ssh.js' },
  { from: 'dockerode', file: 'dockerode/lib/session.js' },
];

/**
 * Puts a stand-in for each file in the module cache; returns how many it deferred (a file that is
 * not installed, or already loaded, is left alone). Call it before the modules that require them.
 */
export function deferModules(files: readonly Deferred[] = DEFERRED_FILES): number {
  const here = createRequire(import.meta.url);
  let deferred = 0;
  for (const { from, file } of files) {
    let path: string;
    try {
      path = createRequire(here.resolve(from)).resolve(file);
    } catch {
      continue;
    }
    if (here.cache[path]) continue;
    here.cache[path] = standIn(path);
    deferred++;
  }
  return deferred;
}

function standIn(path: string): Module {
  const require = createRequire(path);
  let real: ((...args: unknown[]) => unknown) | undefined;
  const mod = new Module(path);
  mod.filename = path;
  mod.loaded = true;
  mod.exports = function deferred(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      // Out of the cache, so this require loads the real file (and caches it in our place).
      delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  return mod;
}
