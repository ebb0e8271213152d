/** `drowse check --probe`: the prerequisites of a config, checked from here, as the daemon checks them at start. */
import { createBackend, providerEntries, BACKENDS, type Backend } from '../provider/index.ts';
import { controlSocketOf } from '../control/index.ts';
import { Prerequisites, prerequisitesOf, type PrerequisiteResult } from '../prerequisites/index.ts';
import { silentLogger } from '../kernel/index.ts';
import type { DrowseConfig } from '../config/index.ts';

/** Runs every check once and resolves with the results, in order. */
export async function probe(config: DrowseConfig): Promise<PrerequisiteResult[]> {
  const log = silentLogger();
  const backends = new Map<string, Backend>();
  for (const entry of providerEntries(config.providers)) backends.set(entry.name, createBackend(entry, { log, awake: () => [] }, BACKENDS));
  const socket = controlSocketOf(config.control);
  const checks = prerequisitesOf(config, { backends, ...(socket === undefined ? {} : { controlSocket: socket }) });
  return new Prerequisites({ checks, log }).run();
}
