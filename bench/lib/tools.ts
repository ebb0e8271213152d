/**
 * The peers and the load generator come from Debian's packages: installed with apt-get when
 * missing and running as root; otherwise the missing ones are named and their peers skipped.
 */
import { spawn, spawnSync } from 'node:child_process';

export const TOOLS = ['nginx', 'caddy', 'haproxy', 'wrk'] as const;
export type Tool = (typeof TOOLS)[number];

/** Where each tool's binary is (Debian puts nginx and haproxy in /usr/sbin, which a user's PATH may lack). */
export function which(tool: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && spawnSync('test', ['-x', `${dir}/${tool}`]).status === 0) return `${dir}/${tool}`;
  }
  return undefined;
}

export type Available = Readonly<Record<Tool, string | undefined>>;

function found(): Record<Tool, string | undefined> {
  return Object.fromEntries(TOOLS.map((t) => [t, which(t)])) as Record<Tool, string | undefined>;
}

let cached: Promise<Available> | undefined;

/** The path of each tool, installing missing ones first when root. Logs what is skipped and why. */
export function ensureTools(): Promise<Available> {
  cached ??= (async () => {
    let have = found();
    const missing = TOOLS.filter((t) => !have[t]);
    if (missing.length > 0 && process.getuid?.() === 0) {
      console.error(`bench: installing ${missing.join(' ')} (apt-get)`);
      // policy-rc.d-less machines would start the packaged services on :80; none of ours needs them running.
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
      const ok = await apt(['install', '-y', '-q', '--no-install-recommends', ...missing], env)
        || (await apt(['update', '-q'], env) && await apt(['install', '-y', '-q', '--no-install-recommends', ...missing], env));
      if (!ok) console.error('bench: apt-get failed; continuing with what is there');
      have = found();
    }
    const still = TOOLS.filter((t) => !have[t]);
    if (still.length > 0) console.error(`bench: missing ${still.join(', ')}${process.getuid?.() === 0 ? '' : ' (not root, so not installed: apt-get install ' + still.join(' ') + ')'}; skipping what needs them`);
    return have;
  })();
  return cached;
}

function apt(args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.once('error', () => { clearTimeout(timer); resolve(false); });
    child.once('close', (code) => { clearTimeout(timer); resolve(code === 0); });
  });
}

/** A tool's version line, or 'absent'. */
export function version(tool: string, path: string | undefined): string {
  if (!path) return 'absent';
  const args = tool === 'caddy' ? ['version'] : tool === 'wrk' ? ['-v'] : ['-v'];
  const r = spawnSync(path, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return (/(\d+\.\d+(\.\d+)?[^\s]*)/.exec(line)?.[1]) ?? line.trim();
}
