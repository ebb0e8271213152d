import type { TestContext } from 'node:test';
import type Docker from 'dockerode';
import { createDockerClient } from '../../src/provider/docker/index.ts';

let client: Docker | undefined;
let available: Promise<boolean> | undefined;

/** The Docker client tests use: the local engine, or DOCKER_HOST when set. */
export function testDocker(): Docker {
  client ??= createDockerClient({ name: 'test' });
  return client;
}

/** True when a Docker engine answers a ping within 5 s (asked once per process). */
export function dockerAvailable(): Promise<boolean> {
  // @types/dockerode omits ping()'s options, but dockerode passes abortSignal through.
  const docker = testDocker() as unknown as { ping(opts: { abortSignal: AbortSignal }): Promise<unknown> };
  available ??= docker.ping({ abortSignal: AbortSignal.timeout(5000) }).then(() => true, () => false);
  return available;
}

/** The message a test gets when no engine answers. */
const NO_ENGINE = 'no Docker engine answers (start dockerd, or set DOCKER_HOST)';

/**
 * Guards a test that needs a real engine: true when one answers. Without one it skips the test
 * (returns false) — except under CI=true, where it throws, because a skipped test proves nothing.
 * Use: `if (!(await requireDocker(t))) return;`
 */
export async function requireDocker(t: TestContext): Promise<boolean> {
  if (await dockerAvailable()) return true;
  if (process.env['CI'] === 'true') throw new Error(`${NO_ENGINE}; CI=true, so this is a failure, not a skip`);
  t.skip(NO_ENGINE);
  return false;
}

/**
 * For a whole `describe`: `describe('x', { skip: await dockerSkip() }, ...)`. A reason to skip
 * when no engine answers, false when one does; throws under CI=true.
 */
export async function dockerSkip(): Promise<string | false> {
  if (await dockerAvailable()) return false;
  if (process.env['CI'] === 'true') throw new Error(`${NO_ENGINE}; CI=true, so this is a failure, not a skip`);
  return NO_ENGINE;
}
