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
  /** The container (or guest) being started. */
  readonly workload: string;
  /** How long the last successful wake took, for the progress estimate. */
  readonly lastWakeMs?: number;
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
    page.render({ name: 'check', host: 'check', workload: 'check' });
    return page;
  }

  /** The page's HTML. */
  render(data: LoadingPageData): string {
    const expectedMs = data.lastWakeMs ?? 0;
    return this.eta.render(TEMPLATE, {
      name: data.name,
      host: data.host,
      workload: data.workload,
      message: `Waking ${data.name}…`,
      expectedMs,
      expectedText: formatDuration(expectedMs),
      refreshSeconds: NOSCRIPT_REFRESH_SECONDS,
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
