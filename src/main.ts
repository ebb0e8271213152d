#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The drowse command. `npm run build` bundles it, with everything it imports, into
 * dist/drowse.cjs (scripts/build.ts says why); run from src/ (tests, development) it turns on
 * Node's on-disk compile cache first, so a second start reads compiled code for its few hundred
 * modules instead of compiling them again. That must happen before the rest is imported, so the
 * command line is a separate module, loaded here.
 *
 * The Node flag on the first line (and in `npm start` and the image's `drowse`, kept alike by
 * test/launchers.test.ts) keeps V8's young generation at 2 MB a half: the buffers of proxied
 * bodies are freed at scavenges, so a small young generation frees them sooner. Against 8 MB: the
 * same throughput, a quarter less RSS under 1 MiB responses, the same after load. 1 MB serves
 * more 1 MiB responses but fewer 100 B ones and keeps 40 MB more after load; V8's own sizing grows
 * to 16 MB and more on a machine with much memory (bench/young-gen.ts; bench/README.md).
 */
import module from 'node:module';

// Best effort: a read-only or full temp dir just means no cache (Node says why in the return value).
module.enableCompileCache?.();
// Not awaited: the bundle is CommonJS, which has no top-level await. A failure to load is an
// unhandled rejection, which Node prints and exits 1 on, as it would for an await here.
void import('./program.ts');
