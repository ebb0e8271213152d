import type { WorkloadEvent, WorkloadObserver } from '../../../src/provider/index.ts';

/** One call the observer received, in order. */
export type ObserverCall =
  | { readonly kind: 'event'; readonly event: WorkloadEvent }
  | { readonly kind: 'resync'; readonly provider: string }
  | { readonly kind: 'online'; readonly provider: string; readonly online: boolean; readonly error?: Error };

/** A WorkloadObserver that records every call, for tests of collectors and providers. */
export class RecordingObserver implements WorkloadObserver {
  readonly calls: ObserverCall[] = [];

  onWorkloadEvent(event: WorkloadEvent): void {
    this.calls.push({ kind: 'event', event });
  }

  onResync(provider: string): void {
    this.calls.push({ kind: 'resync', provider });
  }

  onProviderOnline(provider: string, online: boolean, error?: Error): void {
    this.calls.push(error ? { kind: 'online', provider, online, error } : { kind: 'online', provider, online });
  }

  /** Workload events for one container id, in order. */
  events(id?: string): WorkloadEvent[] {
    return this.calls.flatMap((c) => (c.kind === 'event' && (id === undefined || c.event.id === id) ? [c.event] : []));
  }

  /** How many resyncs were asked for. */
  get resyncs(): number {
    return this.calls.filter((c) => c.kind === 'resync').length;
  }

  /** The calls in a compact form ("online:true", "resync", "event:whoami:running"), for order assertions. */
  summary(): string[] {
    return this.calls.map((c) => {
      if (c.kind === 'event') return `event:${c.event.id}:${c.event.action}:${c.event.state}`;
      if (c.kind === 'resync') return 'resync';
      return `online:${c.online}`;
    });
  }
}
