/**
 * Everything drowse itself serves on a service's host: the loading page and the reserved
 * /__drowse/ routes (events, status, the page's files). None of it counts as activity and none of
 * it is forwarded. Errors are left to the entrypoint, which owns the one error-to-HTTP mapping.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Assets } from './assets.ts';
import { LoadingPage } from './page.ts';
import { DEFAULT_SSE_LIFETIME_MS, WakeEventStream, type EventfulService } from './events.ts';

/** What the site needs from a service: only what anyone may see. */
export interface SiteService extends EventfulService {
  publicStatus(): { readonly state: string; readonly notice?: string; readonly retry_at?: string; readonly last_wake_ms?: number };
}

/** The outcome of a reserved request the site did not answer itself. */
export type ReservedOutcome = 'answered' | 'not_found' | 'method_not_allowed' | 'too_many';

/** Bounds on event streams: each one holds a connection for as long as the page stays open. */
export interface SseLimits {
  readonly perService: number;
  readonly total: number;
  readonly lifetimeMs: number;
}

/** Defaults of {@link SseLimits}, as the config documents them. */
export const DEFAULT_SSE_LIMITS: SseLimits = { perService: 64, total: 512, lifetimeMs: DEFAULT_SSE_LIFETIME_MS };

/** Options for the site. */
export interface LoadingSiteOptions {
  readonly services: readonly SiteService[];
  readonly heartbeatMs?: number;
  readonly sse?: SseLimits;
}

/** The loading page and reserved routes of every service. */
export class LoadingSite {
  private readonly opts: LoadingSiteOptions;
  private readonly services = new Map<string, { service: SiteService; events: WakeEventStream }>();
  private page: LoadingPage | undefined;
  private assets: Assets | undefined;

  constructor(opts: LoadingSiteOptions) {
    this.opts = opts;
  }

  /** Loads the template and files, and starts recording every service's events. */
  async start(): Promise<void> {
    [this.page, this.assets] = await Promise.all([LoadingPage.load(), Assets.load()]);
    for (const service of this.opts.services) this.add(service);
  }

  /**
   * Serves a service from now on; one that replaces another of its name ends the old one's event
   * streams (browsers reconnect by themselves, to the new one).
   */
  add(service: SiteService): void {
    this.remove(service.name);
    const events = new WakeEventStream(service, {
      ...(this.opts.heartbeatMs === undefined ? {} : { heartbeatMs: this.opts.heartbeatMs }),
      lifetimeMs: this.sse().lifetimeMs,
    });
    events.start();
    this.services.set(service.name, { service, events });
  }

  /** Stops serving a service and ends its event streams. */
  remove(name: string): void {
    this.services.get(name)?.events.stop();
    this.services.delete(name);
  }

  /** Ends every event stream so a stopping server is not held open by browsers. Idempotent. */
  stop(): void {
    for (const { events } of this.services.values()) events.stop();
  }

  /** Sends the loading page for a page navigation to `service`. */
  sendLoadingPage(req: IncomingMessage, res: ServerResponse, service: string): void {
    const { service: s } = this.entry(service);
    const status = s.publicStatus();
    this.ready().page.send(req, res, {
      name: s.name,
      host: req.headers.host ?? '',
      ...(status.last_wake_ms === undefined ? {} : { lastWakeMs: status.last_wake_ms }),
      // Shown without JavaScript too: during the backoff the page says why and when, and wakes nothing.
      ...(status.state === 'error' && status.notice !== undefined
        ? { failure: { notice: status.notice, ...(status.retry_at === undefined ? {} : { retryAt: status.retry_at }) } }
        : {}),
    });
  }

  /** Answers /__drowse/<name> for `service`, or says why not. */
  reserved(req: IncomingMessage, res: ServerResponse, service: string, name: string): ReservedOutcome {
    const entry = this.entry(service);
    const { assets } = this.ready();
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (name === 'events') {
      if (req.method !== 'GET') return 'method_not_allowed';
      const limits = this.sse();
      if (entry.events.subscribers >= limits.perService || this.subscribers() >= limits.total) return 'too_many';
      void entry.events.attach(req, res).catch(() => res.destroy());
      return 'answered';
    }
    if (name === 'status') {
      if (!read) return 'method_not_allowed';
      const body = JSON.stringify(entry.service.publicStatus());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return 'answered';
    }
    if (assets.has(name)) {
      if (!read) return 'method_not_allowed';
      assets.serve(req, res, name);
      return 'answered';
    }
    return 'not_found';
  }

  /** Event streams open right now, over every service. */
  subscribers(): number {
    let n = 0;
    for (const { events } of this.services.values()) n += events.subscribers;
    return n;
  }

  private sse(): SseLimits {
    return this.opts.sse ?? DEFAULT_SSE_LIMITS;
  }

  private entry(service: string) {
    const entry = this.services.get(service);
    if (!entry) throw new Error(`loading site: unknown service "${service}"`);
    return entry;
  }

  private ready(): { page: LoadingPage; assets: Assets } {
    if (!this.page || !this.assets) throw new Error('loading site: used before start()');
    return { page: this.page, assets: this.assets };
  }
}
