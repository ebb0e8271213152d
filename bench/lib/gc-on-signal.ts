/**
 * Preloaded into drowse by the soak benchmark (node --expose-gc --import ...): SIGUSR2 runs a full
 * garbage collection, so RSS can be read after GC from outside without changing drowse's code.
 */
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
});
