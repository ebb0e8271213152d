#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The drowse command: turns on Node's on-disk compile cache and defers the dependency code drowse
 * rarely runs, then loads the command line. Both must happen before the rest is imported, so the
 * program is a separate module: a second start reads compiled code for its few hundred modules
 * instead of compiling them again, and dockerode's SSH and gRPC code waits until it is called.
 *
 * The Node flag on the first line (and in `npm start` and the image's `drowse`, kept alike by
 * test/launchers.test.ts) caps V8's young generation: on a machine with much memory V8 lets it
 * grow to about a hundred MB under load, which is most of what drowse's RSS was, for no measured
 * gain in throughput (bench/README.md, "Memory").
 */
import module from 'node:module';
// Straight from its file, not kernel/index.ts: that would load the modules this must come before.
import { deferModules } from './kernel/defer-modules.ts';

// Best effort: a read-only or full temp dir just means no cache (Node says why in the return value).
module.enableCompileCache?.();
deferModules();
await import('./program.ts');
