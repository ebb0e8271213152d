/**
 * drowse is started four ways: `npm start`, the installed `drowse` command (dist/drowse.cjs's first
 * line), the image's `drowse` wrapper and, spelled out, the systemd example. Each passes Node the
 * same flags (main.ts says why they matter); this keeps them from drifting apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

const read = (file: string) => readFile(new URL(`../${file}`, import.meta.url), 'utf8');
/** The flags between `node` and the script in a command line. */
const nodeFlags = (line: string, script: RegExp): string[] => {
  const words = line.trim().split(/\s+/);
  const node = words.findIndex((w) => /(^|\/)node$/.test(w));
  const end = words.findIndex((w) => script.test(w));
  assert.ok(node >= 0 && end > node, `a node command line: ${line}`);
  return words.slice(node + 1, end);
};

test('npm start, the drowse command, the image and the systemd example run Node with the same flags', async () => {
  const pkg = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
  const shebang = (await read('src/main.ts')).split('\n')[0] ?? '';
  assert.match(shebang, /^#!\/usr\/bin\/env -S node /, 'env -S: a shebang passes its words to env as one argument otherwise');
  const wrapper = /exec node [^"]*\/app\/dist\/drowse\.cjs/.exec(await read('Dockerfile'))?.[0] ?? '';
  const unit = /ExecStart=\/path\/to\/node .*dist\/drowse\.cjs/.exec(await read('examples/drowse.service'))?.[0] ?? '';
  const all = {
    'npm start': nodeFlags(pkg.scripts.start ?? '', /dist\/drowse\.cjs$/),
    // The script is the file itself: the kernel appends its path to the shebang's words.
    'dist/drowse.cjs': nodeFlags(`${shebang.replace(/^#!\/usr\/bin\/env -S /, '')} dist/drowse.cjs`, /dist\/drowse\.cjs$/),
    Dockerfile: nodeFlags(wrapper, /\/app\/dist\/drowse\.cjs$/),
    'examples/drowse.service': nodeFlags(unit.replace('ExecStart=', ''), /dist\/drowse\.cjs$/),
  };
  for (const [where, flags] of Object.entries(all)) assert.deepEqual(flags, all['npm start'], `${where} passes ${flags.join(' ')}`);
});
