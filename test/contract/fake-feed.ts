/**
 * The FakeProvider's feed: a stand-in for an event stream that the test drives by hand — a
 * (re)connect, a change it observed, a resync, a lost connection. It keeps provider health the
 * way real feeds do (HealthRecord), so /status reads it through the same path.
 */
import { HealthRecord, type Feed, type ProviderHealth, type WorkloadObserver, type WorkloadState } from '../../src/provider/index.ts';
import { systemClock, type LoopStatus } from '../../src/kernel/index.ts';

/** What the feed needs of its provider. */
interface FeedSource {
  readonly name: string;
  stateOf(id: string): WorkloadState;
}

export class FakeFeed implements Feed {
  readonly #source: FeedSource;
  readonly #health = new HealthRecord(systemClock);
  #observer: WorkloadObserver | undefined;
  #loop: LoopStatus = { state: 'stopped', since: new Date() };
  /** Connect at once on start, as a stream to a reachable engine does; false: stay connecting until connect(). */
  connectOnStart = true;

  constructor(source: FeedSource) {
    this.#source = source;
  }

  start(observer: WorkloadObserver): void {
    this.#observer = observer;
    this.#setLoop('running');
    if (this.connectOnStart) this.connect();
  }

  async stop(): Promise<void> {
    this.#observer = undefined;
    this.#setLoop('stopped');
    this.#health.forget();
  }

  state(): LoopStatus {
    return this.#loop;
  }

  health(): ProviderHealth {
    return this.#health.get();
  }

  /** A (re)connect: online, then a resync, as every real feed does on connect. */
  connect(): void {
    this.#setLoop('running');
    if (this.#health.report(true)) this.#observer?.onProviderOnline(this.#source.name, true);
    this.resync();
  }

  /** The connection is lost: offline with the reason, the loop backing off. */
  disconnect(error: Error): void {
    this.#setLoop('backoff', error.message);
    if (this.#health.report(false, error)) this.#observer?.onProviderOnline(this.#source.name, false, error);
  }

  /** The feed saw `id` change; the event carries `state` (the provider's current one unless told). */
  change(id: string, state: WorkloadState = this.#source.stateOf(id), action = 'fake'): void {
    this.#observer?.onWorkloadEvent({ provider: this.#source.name, id, state, action, at: new Date() });
  }

  /** The backend's own health verdict for `id` changed. */
  healthChanged(id: string): void {
    this.#observer?.onWorkloadHealth?.(this.#source.name, id);
  }

  resync(): void {
    this.#observer?.onResync(this.#source.name);
  }

  #setLoop(state: LoopStatus['state'], lastError = this.#loop.lastError): void {
    this.#loop = { state, since: new Date(), ...(lastError === undefined ? {} : { lastError }) };
  }
}
