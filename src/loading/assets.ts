/**
 * The loading page's static files (public/), read once at start and served from memory under
 * /__drowse/. They are revalidated by ETag rather than cached for a time: a drowse upgrade must
 * not leave browsers running an old loading.js against a new event stream.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { packageRoot } from '../kernel/index.ts';

/** Where views/ and public/ live: the package root, from src/ and from the bundle alike. */
export const PACKAGE_ROOT = packageRoot(import.meta.url);

/** The files served, by the name after /__drowse/. */
const FILES: Record<string, string> = {
  'loading.js': 'text/javascript; charset=utf-8',
  'loading.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The public/ files in memory. */
export class Assets {
  private readonly files: ReadonlyMap<string, Asset>;

  private constructor(files: ReadonlyMap<string, Asset>) {
    this.files = files;
  }

  /** Reads every file; a missing one is an install problem and fails the start. */
  static async load(dir = new URL('public/', PACKAGE_ROOT)): Promise<Assets> {
    const files = new Map<string, Asset>();
    for (const [name, type] of Object.entries(FILES)) {
      const body = await readFile(new URL(name, dir));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(name, { body, type, etag });
    }
    return new Assets(files);
  }

  /** True when `name` is one of the files. */
  has(name: string): boolean {
    return this.files.has(name);
  }

  /** Answers GET/HEAD for `name` (which must exist), with 304 when the client's copy is current. */
  serve(req: IncomingMessage, res: ServerResponse, name: string): void {
    const asset = this.files.get(name);
    if (!asset) throw new Error(`assets: no file "${name}"`);
    const headers = {
      'content-type': asset.type,
      etag: asset.etag,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }
}
