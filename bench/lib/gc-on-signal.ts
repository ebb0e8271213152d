/**
 * Preloaded into drowse by the soak benchmark (node --expose-gc --import ...): SIGUSR2 runs a full
 * garbage collection and writes process.memoryUsage() after it to $DROWSE_BENCH_GC_FILE, so memory
 * after GC can be read from outside without changing drowse's code.
 */
import { writeFileSync } from 'node:fs';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  const file = process.env.DROWSE_BENCH_GC_FILE;
  if (file) writeFileSync(file, JSON.stringify({ gc: gc !== undefined, ...process.memoryUsage() }));
});
