/**
 * Modules of dependencies that drowse loads on first use instead of at start. dockerode requires,
 * at load, docker-modem's SSH transport (ssh2, whose crypto sets up 16 MB of WebAssembly memory)
 * and its BuildKit session code (gRPC and protobuf): about 17 MB of RSS and a tenth of start-up
 * for code a daemon on a unix socket or TCP never runs. Each listed file exports one function; a
 * stand-in with the same call loads the real file when it is first called, so Docker over SSH
 * (and anything else that needs them) still works, only later.
 *
 * Done with Node's synchronous module hooks (module.registerHooks, Node 22.15 and 23.5 on); on an
 * older Node nothing is deferred and everything works as before.
 */
import module from 'node:module';
import { fileURLToPath } from 'node:url';

/** Files (by the end of their URL) that export a single function and are rarely called. */
export const DEFERRED_FILES: readonly string[] = ['/node_modules/docker-modem/lib/ssh.js', '/node_modules/dockerode/lib/session.js'];

/** Marks a stand-in's URL: the real file's URL with this appended. */
const STAND_IN = '.drowse-deferred.cjs';

/**
 * Installs the hooks for `files`. Returns false when this Node has no synchronous module hooks.
 * Call it before the modules that require them are imported.
 */
export function deferModules(files: readonly string[] = DEFERRED_FILES): boolean {
  if (typeof module.registerHooks !== 'function') return false;
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      // The stand-in's own require of the real file must reach it.
      if (context.parentURL?.endsWith(STAND_IN) || !files.some((f) => resolved.url.endsWith(f))) return resolved;
      return { url: `${resolved.url}${STAND_IN}`, format: 'commonjs', shortCircuit: true };
    },
    load(url, context, nextLoad) {
      if (!url.endsWith(STAND_IN)) return nextLoad(url, context);
      const real = fileURLToPath(url.slice(0, -STAND_IN.length));
      const source = `'use strict';\nmodule.exports = function deferred(...args) { return require(${JSON.stringify(real)}).apply(this, args); };\n`;
      return { format: 'commonjs', source, shortCircuit: true };
    },
  });
  return true;
}
