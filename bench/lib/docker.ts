/**
 * The benchmark's containers: from the test image (busybox + Node, imported from the host, no
 * registry), on the host network, labelled drowse-bench so each run removes its own at the end.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { dockerAvailable, ensureTestImage, testDocker } from '../../test/helpers/index.ts';
import { get } from './drowse.ts';

export const BENCH_LABEL = 'drowse-bench.run';
const RUN = `${process.pid}-${Date.now()}`;

export function docker(): Docker {
  return testDocker();
}

export { dockerAvailable };

export interface ContainerOptions {
  readonly name: string;
  readonly cmd: string[];
  readonly binds?: string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly start: boolean;
}

/** Creates (and maybe starts) a container; returns its name. */
export async function createContainer(o: ContainerOptions): Promise<string> {
  const image = await ensureTestImage();
  const name = `drowse-bench-${o.name}-${randomBytes(3).toString('hex')}`;
  const container = await docker().createContainer({
    name,
    Image: image,
    Cmd: o.cmd,
    Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [BENCH_LABEL]: RUN },
    HostConfig: { NetworkMode: 'host', Binds: o.binds ?? [], AutoRemove: false },
  });
  if (o.start) await container.start();
  return name;
}

/** Creates count stopped containers, a few at a time (the engine serialises much of it anyway). */
export async function createMany(prefix: string, count: number, parallel = 8): Promise<string[]> {
  const names: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      names.push(await createContainer({ name: prefix, cmd: ['sleep', '86400'], start: false }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return names;
}

/** Removes every container this process created (force: running ones too). */
export async function removeOurs(): Promise<void> {
  const list = await docker().listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${RUN}`] } });
  for (let i = 0; i < list.length; i += 16) {
    await Promise.all(list.slice(i, i + 16).map((c) => docker().getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
}

/** How many times the engine started the container since `sinceS` (unix seconds), from its event log. */
export async function startsSince(name: string, sinceS: number): Promise<number> {
  const stream = (await docker().getEvents({
    since: sinceS,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { container: [name], event: ['start'] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter((l) => l.trim()).length;
}

export async function isRunning(name: string): Promise<boolean> {
  return (await docker().getContainer(name).inspect()).State.Running;
}

/** SIGKILL and wait for the exit (a busybox PID 1 ignores SIGTERM; a stop would wait 10 s). */
export async function kill(name: string): Promise<void> {
  const c = docker().getContainer(name);
  await c.kill().catch(() => undefined);
  await c.wait();
}

/**
 * The floor a wake through drowse is measured against: the engine API's start of a stopped
 * container, then GET 127.0.0.1:port/path every 2 ms until the app answers 200. Milliseconds.
 */
export async function startAndFirstAnswer(container: string, port: number, urlPath: string, deadlineMs = 60_000): Promise<number> {
  const t0 = performance.now();
  await docker().getContainer(container).start();
  for (;;) {
    const ok = await get(port, `127.0.0.1:${port}`, urlPath, 2000).then((r) => r.status === 200, () => false);
    if (ok) return performance.now() - t0;
    if (performance.now() - t0 > deadlineMs) throw new Error(`the app did not answer within ${deadlineMs / 1000} s of docker start`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
