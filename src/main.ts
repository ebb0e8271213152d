#!/usr/bin/env node
/**
 * The drowse command: turns on Node's on-disk compile cache, then loads the command line. The cache
 * must be on before the rest is imported, so the program is a separate module: a second start reads
 * compiled code for its few hundred modules instead of compiling them again.
 */
import module from 'node:module';

// Best effort: a read-only or full temp dir just means no cache (Node says why in the return value).
module.enableCompileCache?.();
await import('./program.ts');
