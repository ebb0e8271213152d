/**
 * Which requests to a service that is not ready may get the loading page. Only a page navigation:
 * the browser is about to replace the document, so an HTML page is what it wants. Anything else
 * (fetch/XHR, assets, EventSource, WebSocket, POST, curl's Accept: *\/*) is held and never gets HTML.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** True for a browser page navigation that can be answered with the loading page. */
export function isPageNavigation(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (headers.upgrade) return false;
  if (headers['x-requested-with']) return false;
  const mode = single(headers['sec-fetch-mode']);
  const dest = single(headers['sec-fetch-dest']);
  // Fetch metadata is authoritative when the browser sends it: a fetch() that asks for text/html
  // is still a script reading a response, not a person looking at a page.
  if (mode !== undefined || dest !== undefined) return mode === 'navigate' || dest === 'document';
  return acceptsHtml(single(headers.accept));
}

/** True when Accept names text/html (or application/xhtml+xml) with a non-zero quality; *\/* alone does not count. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'text/html' && type !== 'application/xhtml+xml') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function single(v: string | string[] | undefined): string | undefined {
  return (Array.isArray(v) ? v[0] : v)?.toLowerCase();
}
