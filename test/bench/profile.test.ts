/**
 * The profile's tables tell drowse's code and each bundled dependency apart: frames in the bundle
 * are mapped back through its source map. A tiny bundle is built here with esbuild, as
 * scripts/build.ts builds dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { bundleOrigin, summarizeProfile } from '../../bench/lib/index.ts';

async function bundled(): Promise<{ dir: string; url: string; lineOf: (marker: string) => number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drowse-profile-map-'));
  await mkdir(path.join(dir, 'src', 'proxy'), { recursive: true });
  await mkdir(path.join(dir, 'node_modules', 'tiny-dep'), { recursive: true });
  await writeFile(path.join(dir, 'node_modules', 'tiny-dep', 'package.json'), '{"name":"tiny-dep","main":"index.js"}');
  await writeFile(path.join(dir, 'node_modules', 'tiny-dep', 'index.js'), 'exports.depWork = function depWork(n) {\n  return n * 2;\n};\n');
  await writeFile(path.join(dir, 'src', 'proxy', 'route.ts'), "import { depWork } from 'tiny-dep';\nexport function routeWork(n: number): number {\n  return depWork(n) + 1;\n}\nconsole.log(routeWork(1));\n");
  const outfile = path.join(dir, 'dist', 'program.cjs');
  await build({ entryPoints: [path.join(dir, 'src', 'proxy', 'route.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, sourcemap: 'linked', logLevel: 'silent' });
  const lines = (await readFile(outfile, 'utf8')).split('\n');
  return { dir, url: `file://${outfile}`, lineOf: (marker) => lines.findIndex((l) => l.includes(marker)) };
}

test('profile time in the bundle counts for the source file or package the code was written in', { timeout: 30_000 }, async () => {
  const b = await bundled();
  try {
    const route = b.lineOf('function routeWork');
    const dep = b.lineOf('function depWork');
    assert.ok(route >= 0 && dep >= 0, 'both functions are in the bundle');
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: 'routeWork', url: b.url, lineNumber: route, columnNumber: 2 } },
        { id: 2, callFrame: { functionName: 'depWork', url: b.url, lineNumber: dep, columnNumber: 2 } },
        { id: 3, callFrame: { functionName: 'emit', url: 'node:events', lineNumber: 488, columnNumber: 0 } },
      ],
      samples: [1, 1, 1, 2, 3],
      timeDeltas: [100, 100, 100, 100, 100],
    };
    const mapped = summarizeProfile(profile, await bundleOrigin(path.join(b.dir, 'dist')));
    assert.deepEqual(new Map(mapped.modules), new Map([['drowse src/proxy/route.ts', 300], ['tiny-dep', 100], ['node:events', 100]]));
    assert.ok(mapped.functions.some(([f]) => f === 'routeWork drowse src/proxy/route.ts:2'), `the source line is given: ${JSON.stringify(mapped.functions)}`);
    // Without the map all of it is one opaque bundle file.
    const unmapped = summarizeProfile(profile);
    assert.deepEqual(new Map(unmapped.modules), new Map([['drowse program.cjs', 400], ['node:events', 100]]));
  } finally {
    await rm(b.dir, { recursive: true, force: true });
  }
});
