/**
 * A provider for discovered services that asks the discovery again before it acts: a container
 * whose drowse.enable label is gone is never started or stopped by drowse again, even when the
 * event that would have removed its service has not been handled yet (Sablier checks the same on
 * expiry). Reading state passes straight through.
 */
import type { Logger } from '../kernel/index.ts';
import type { Discovery } from './backend.ts';
import { ProviderError } from './errors.ts';
import type { Provider, StopOptions, WorkloadRef } from './provider.ts';

/** `provider`, asking `discovery` whether the workload still wants drowse before every action. */
export function guardedByLabels(provider: Provider, discovery: Pick<Discovery, 'stillEnabled'>, log: Logger): Provider {
  const refused = (ref: WorkloadRef, op: string) =>
    new ProviderError({ kind: provider.kind, provider: provider.name, op, ref: ref.id, reason: 'not_found', detail: 'the container no longer has drowse.enable=true; drowse leaves it alone' });
  /** Sleeping a container that is no longer drowse's: leave it as it is, and say so once per attempt. */
  const leave = async <T>(ref: WorkloadRef, op: string, act: () => Promise<T>): Promise<T | undefined> => {
    if (await discovery.stillEnabled(ref.id)) return act();
    log.info({ provider: provider.name, workload: ref.id, op }, 'container no longer has drowse.enable=true; left as it is');
    return undefined;
  };
  return {
    name: provider.name,
    kind: provider.kind,
    status: (ref, signal) => provider.status(ref, signal),
    async start(ref, signal, progress) {
      if (!(await discovery.stillEnabled(ref.id, signal))) throw refused(ref, 'start');
      return provider.start(ref, signal, progress);
    },
    stop: (ref, opts: StopOptions) => leave(ref, 'stop', () => provider.stop(ref, opts)),
    pause: async (ref) => void (await leave(ref, 'pause', () => provider.pause(ref))),
    unpause: async (ref, signal) => {
      if (!(await discovery.stillEnabled(ref.id, signal))) throw refused(ref, 'unpause');
      return provider.unpause(ref, signal);
    },
    kill: async (ref, signal) => void (await leave(ref, 'kill', () => provider.kill(ref, signal))),
    ...(provider.list ? { list: provider.list.bind(provider) } : {}),
    ...(provider.exec ? { exec: provider.exec.bind(provider) } : {}),
    ...(provider.address ? { address: provider.address.bind(provider) } : {}),
  };
}
