/**
 * Where drowse's own files (package.json, views/, public/) are, found from a module's URL. A fixed
 * number of levels up would hold for src/ and for tsc's dist/, but not for the bundle
 * (dist/drowse.cjs), which is one file one level down: so the first directory above that holds a
 * package.json named drowse.
 */
import { readFileSync } from 'node:fs';

const NAME = 'drowse';

/** The package root as a directory URL (ending in /); throws when no drowse package.json is above. */
export function packageRoot(from: string | URL): URL {
  let dir = new URL('./', from);
  for (;;) {
    if (isDrowse(new URL('package.json', dir))) return dir;
    const up = new URL('../', dir);
    if (up.href === dir.href) throw new Error(`no package.json named ${NAME} above ${String(from)}`);
    dir = up;
  }
}

function isDrowse(file: URL): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === NAME;
  } catch {
    // Missing, unreadable or not JSON: not ours, look further up.
    return false;
  }
}
