/**
 * Daemon-level tests without Docker: the whole daemon (routes, services, control API) over
 * FakeProviders, with plain node HTTP servers on 127.0.0.1 as the apps behind them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { BACKENDS } from '../../src/provider/index.ts';
import type { Clock } from '../../src/kernel/index.ts';
import { startDrowse, type RunningDrowse } from '../helpers/index.ts';
import { fakeBackend, FakeProvider, type FakeWorkloadOptions } from '../contract/index.ts';

/** An app behind drowse: answers every request with its name, and counts them. */
export interface Upstream {
  readonly port: number;
  readonly target: string;
  hits: number;
}

export async function upstream(t: TestContext, name: string): Promise<Upstream> {
  const up = { port: 0, target: '', hits: 0 };
  const server = createServer((req, res) => {
    up.hits++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${name} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.port = (server.address() as AddressInfo).port;
  up.target = `http://127.0.0.1:${up.port}`;
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return up;
}

/**
 * Starts drowse from `yaml` over the given FakeProviders (one named `local` unless told). The
 * config file format knows only Docker workloads, so services name theirs `docker: { container }`;
 * the ref that makes is `{ provider, id }`, and the daemon routes by provider name alone.
 */
export async function fakeDrowse(
  t: TestContext,
  yaml: string,
  opts: {
    /** Workloads created (stopped) on the first provider before drowse starts. */
    workloads?: Readonly<Record<string, FakeWorkloadOptions>>;
    providers?: readonly FakeProvider[];
    clock?: Clock;
    wakeBackoff?: { initialMs: number; maxMs: number };
    offlineHoldMs?: number;
  } = {},
): Promise<{ drowse: RunningDrowse; fake: FakeProvider }> {
  const providers = opts.providers ?? [new FakeProvider('local')];
  for (const [id, w] of Object.entries(opts.workloads ?? {})) providers[0]!.add(id, w);
  // The file has to declare the providers its services name; the fake entries replace them.
  const declared = `providers:\n  docker:\n${providers.map((p) => `    ${p.name}: {}\n`).join('')}`;
  const drowse = await startDrowse(t, declared + yaml, {
    // The one registration line of a new backend:
    backends: { ...BACKENDS, fake: fakeBackend(providers) },
    providers: { fake: providers.map((p) => ({ name: p.name })) },
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.wakeBackoff ? { wakeBackoff: opts.wakeBackoff } : {}),
    ...(opts.offlineHoldMs === undefined ? {} : { offlineHoldMs: opts.offlineHoldMs }),
  });
  return { drowse, fake: providers[0]! };
}
