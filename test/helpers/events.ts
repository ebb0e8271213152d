import { LineSplitter, parseDockerEvent, type DockerEventMessage } from '../../src/provider/docker/index.ts';
import { testDocker } from './docker.ts';
import type { Cleanup } from './containers.ts';
import { waitFor } from './wait.ts';

/** Docker events of one container, recorded from the moment of the call. */
export interface DockerEventRecorder {
  /** Every event so far, in order. */
  readonly events: readonly DockerEventMessage[];
  /** How many events had this action ("start", "die", "health_status: healthy", ...). */
  count(action: string): number;
  /** Waits until `count(action) >= n`. */
  waitFor(action: string, n?: number, timeoutMs?: number): Promise<void>;
  /** Closes the stream (done for you when the test ends). Idempotent. */
  stop(): void;
}

/**
 * Records the Docker events of the container `name` (so a test can count `start` events and
 * prove a service woke exactly once). Events from before the call are excluded to the millisecond:
 * `since` defaults to now. Resolves once the stream is open; closes it when the test ends.
 */
export async function recordDockerEvents(t: Cleanup, name: string, since: Date = new Date()): Promise<DockerEventRecorder> {
  const events: DockerEventMessage[] = [];
  const abort = new AbortController();
  // Docker reads "seconds.nanoseconds"; a plain number would be whole seconds only.
  const ms = since.getTime();
  const sinceParam = `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
  const stream = await testDocker().getEvents({
    filters: { type: ['container'], container: [name] },
    since: sinceParam as unknown as number, // typed as number, sent verbatim
    abortSignal: abort.signal,
  });
  t.after(() => abort.abort());
  const lines = new LineSplitter();
  stream.on('data', (chunk: Buffer) => {
    for (const line of lines.push(chunk)) {
      const msg = parseDockerEvent(line);
      if (msg) events.push(msg);
    }
  });
  stream.on('error', () => undefined); // the abort in stop() ends the stream with an error; nothing to report
  const count = (action: string): number => events.filter((e) => (e.Action ?? e.status) === action).length;
  return {
    events,
    count,
    waitFor: async (action, n = 1, timeoutMs = 10_000) => {
      try {
        await waitFor(() => count(action) >= n, { timeoutMs });
      } catch (err) {
        const seen = events.map((e) => e.Action).join(', ') || 'none';
        throw new Error(`no ${n}× "${action}" event of ${name} within ${timeoutMs}ms; saw: ${seen}`, { cause: err });
      }
    },
    stop: () => abort.abort(),
  };
}
