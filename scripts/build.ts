/**
 * `npm run build`: drowse bundled by esbuild into CommonJS, dist/drowse.cjs (the command) and
 * dist/program.cjs (everything else, see {@link splitAtProgramPlugin}).
 *
 * Why a bundle: started from the few hundred ES modules tsc wrote, drowse spent most of its
 * start-up in Node's module loader (resolving, reading and linking each file), not in its own
 * code; a bundle is read and compiled at once (bench/README.md, "Start-up", has the numbers).
 * Why CommonJS: an ES module that imports `node:http` makes Node build that module's namespace,
 * and reading every export of `node:http` loads undici for its WebSocket getter, about 20 ms.
 *
 * Left out of the bundle and required from node_modules at run time: pino and pino-pretty (pino
 * starts pino-pretty in a worker thread by file name, which a bundle has no longer) and
 * node-unix-socket (a native addon). Deferred (see {@link deferPlugin}): dependency files drowse
 * never runs on its own paths. Type checking is `npm run typecheck`; esbuild only strips types.
 */
import { build, type BuildResult, type Plugin } from 'esbuild';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const ENTRY = resolve(REPO_ROOT, 'src/main.ts');
const PROGRAM = resolve(REPO_ROOT, 'src/program.ts');
export const OUTDIR = resolve(REPO_ROOT, 'dist');
/** The command (what `npm start`, the bin entry and the image run) and the code it loads. */
export const MAIN_OUT = 'drowse.cjs';
export const PROGRAM_OUT = 'program.cjs';
export const EXTERNAL: readonly string[] = ['pino', 'pino-pretty', 'node-unix-socket'];

/** A file to defer: `file` as resolved from the package `from`, which is what requires it. */
export interface Deferred {
  readonly from: string;
  readonly file: string;
}

/**
 * dockerode requires, at load, docker-modem's SSH transport (ssh2, whose crypto sets up 16 MB of
 * WebAssembly memory) and its BuildKit session code (gRPC and protobuf): memory and start-up time
 * for code a daemon on a unix socket or TCP never runs. Each exports one function.
 */
export const DEFERRED_FILES: readonly Deferred[] = [
  { from: 'dockerode', file: 'docker-modem/lib/ssh.js' },
  { from: 'dockerode', file: 'dockerode/lib/session.js' },
];

const NAMESPACE = 'drowse-deferred';

/**
 * Replaces each deferred file (a module that exports one function) with a stand-in that has the
 * same call and requires the real file from node_modules when it is first called: the bundle
 * holds none of its code, so nothing of it loads at start, and Docker over SSH still works.
 */
export function deferPlugin(files: readonly Deferred[], root: string = REPO_ROOT): Plugin {
  const here = createRequire(resolve(root, 'package.json'));
  const deferred = new Map<string, Deferred>();
  for (const d of files) deferred.set(createRequire(here.resolve(d.from)).resolve(d.file), d);
  // Only specifiers that can name one of the files reach the resolver a second time.
  const stems = [...deferred.values()].map((d) => d.file.split('/').pop()!.replace(/\.js$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const filter = new RegExp(`(^|/)(${stems.join('|')})(\\.js)?$`);
  return {
    name: 'drowse-defer',
    setup(b) {
      b.onResolve({ filter }, async (args) => {
        if (args.pluginData === NAMESPACE) return undefined;
        const found = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: NAMESPACE });
        const d = deferred.get(found.path);
        return d ? { path: found.path, namespace: NAMESPACE, pluginData: d } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const d = args.pluginData as Deferred;
        return { loader: 'js', contents: standIn(d) };
      });
    },
  };
}

/** The stand-in's source: resolved at run time the way the real file is, from its package. */
function standIn({ from, file }: Deferred): string {
  return [
    `const { createRequire } = require('node:module');`,
    // A require made at run time, which esbuild does not follow: the file stays out of the bundle.
    'const load = createRequire(__filename);',
    'let real;',
    'module.exports = function deferred(...args) {',
    `  real ??= createRequire(load.resolve(${JSON.stringify(from)}))(${JSON.stringify(file)});`,
    '  return real.apply(this, args);',
    '};',
    '',
  ].join('\n');
}

const META_URL = 'drowse:import-meta-url';

/**
 * A CommonJS file has no import.meta: the bundle's own file URL stands in for import.meta.url (the
 * code that reads it looks for the package root above it, wherever the file is).
 */
function importMetaUrlPlugin(): Plugin {
  return {
    name: 'drowse-import-meta-url',
    setup(b) {
      b.onResolve({ filter: /^drowse:import-meta-url$/ }, () => ({ path: META_URL, namespace: META_URL }));
      b.onLoad({ filter: /.*/, namespace: META_URL }, () => ({
        loader: 'js',
        contents: `export const __drowse_import_meta_url = require('node:url').pathToFileURL(__filename).href;\n`,
      }));
    },
  };
}

/**
 * main.ts loads the command line with import('./program.ts'): in the bundle, that becomes a
 * require of program.cjs beside it, a second file. main.ts turns on Node's compile cache before
 * that require, so from the second start on the bulk of the code is read as compiled code; in one
 * file the cache would come too late for the file it is in.
 */
function splitAtProgramPlugin(): Plugin {
  return {
    name: 'drowse-split-at-program',
    setup(b) {
      b.onResolve({ filter: /^\.\/program\.ts$/ }, (args) => (args.importer === ENTRY ? { path: `./${PROGRAM_OUT}`, external: true } : undefined));
    },
  };
}

export interface BundleOptions {
  /** Where drowse.cjs and program.cjs go; dist/ unless told. */
  readonly outdir?: string;
  readonly deferred?: readonly Deferred[];
  /** Whitespace and syntax only: names stay, so stack traces still say which function. */
  readonly minify?: boolean;
  /** esbuild's record of the inputs, for tests. */
  readonly metafile?: boolean;
}

/** Writes the two files (each with its source map); throws on any error esbuild reports. */
export async function bundle(opts: BundleOptions = {}): Promise<BuildResult[]> {
  const outdir = opts.outdir ?? OUTDIR;
  const minify = opts.minify ?? true;
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: 'linked',
    // Bundled dependencies' licence comments, kept in a file beside the bundle.
    legalComments: 'linked',
    logLevel: 'warning',
    minifyWhitespace: minify,
    minifySyntax: minify,
    metafile: opts.metafile ?? false,
  } as const;
  return Promise.all([
    // import() turned into a require: program.cjs is CommonJS, and a require skips the ES module
    // loader that an import() of it would start.
    build({ ...common, entryPoints: [ENTRY], outfile: resolve(outdir, MAIN_OUT), plugins: [splitAtProgramPlugin()], supported: { 'dynamic-import': false } }),
    build({
      ...common,
      entryPoints: [PROGRAM],
      outfile: resolve(outdir, PROGRAM_OUT),
      external: [...EXTERNAL],
      plugins: [deferPlugin(opts.deferred ?? DEFERRED_FILES), importMetaUrlPlugin()],
      inject: [META_URL],
      define: { 'import.meta.url': '__drowse_import_meta_url' },
    }),
  ]);
}

if (import.meta.main) {
  // dist/ from scratch: files an earlier build left (tsc's dist/main.js and the rest, before the
  // bundle) would still run, old, for whatever points at them.
  rm(OUTDIR, { recursive: true, force: true }).then(() => bundle()).catch((err: unknown) => {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
