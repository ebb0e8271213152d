/**
 * The loading page: an eta template (views/loading.eta) compiled once at start. eta escapes every
 * interpolation, and the template has no raw ones, so nothing a client sent (the Host header, the
 * path) can become markup. The page carries no inline script or style, which lets its CSP forbid both.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Eta } from 'eta';
import { formatDuration } from '../kernel/index.ts';
import { PACKAGE_ROOT } from './assets.ts';

/** What the page shows about the service. */
export interface LoadingPageData {
  readonly name: string;
  /** The Host the browser asked for, as it sent it. */
  readonly host: string;
  /** How long the last successful wake took, for the progress estimate. */
  readonly lastWakeMs?: number;
  /** The last wake failed: its public notice, and when the backoff lets the next one start (ISO time). */
  readonly failure?: { readonly notice: string; readonly retryAt?: string };
}

/** Seconds between reloads for browsers without JavaScript. */
export const NOSCRIPT_REFRESH_SECONDS = 3;

/**
 * Only our own files, no framing limits: homelab dashboards (Home Assistant, Homarr) show services
 * in iframes, and the loading page must appear there like the app would.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

const TEMPLATE = '@loading';

/** Renders and sends the loading page. */
export class LoadingPage {
  private readonly eta: Eta;

  private constructor(eta: Eta) {
    this.eta = eta;
  }

  /** Compiles the template; a missing or broken template fails the start, not the first visitor. */
  static async load(dir = new URL('views/', PACKAGE_ROOT)): Promise<LoadingPage> {
    const eta = new Eta({ autoEscape: true, cache: true });
    eta.loadTemplate(TEMPLATE, await readFile(new URL('loading.eta', dir), 'utf8'));
    const page = new LoadingPage(eta);
    page.render({ name: 'check', host: 'check' });
    page.render({ name: 'check', host: 'check', failure: { notice: 'check', retryAt: new Date().toISOString() } });
    return page;
  }

  /** The page's HTML. */
  render(data: LoadingPageData, now = Date.now()): string {
    const expectedMs = data.lastWakeMs ?? 0;
    const retryInSeconds = data.failure?.retryAt === undefined ? 0 : Math.max(0, Math.ceil((Date.parse(data.failure.retryAt) - now) / 1000));
    return this.eta.render(TEMPLATE, {
      name: data.name,
      host: data.host,
      message: data.failure ? `Could not wake ${data.name}` : `Waking ${data.name}…`,
      expectedMs,
      expectedText: formatDuration(expectedMs),
      failure: data.failure,
      retryInSeconds,
      // Without JavaScript, a page in the backoff reloads when the next try may start, not before.
      refreshSeconds: Math.max(NOSCRIPT_REFRESH_SECONDS, retryInSeconds),
    });
  }

  /** Sends the page with 200 at the request's own URL, never cached (the same URL is the app once ready). */
  send(req: IncomingMessage, res: ServerResponse, data: LoadingPageData): void {
    const body = this.render(data);
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
