/**
 * `drowse health`: one GET /health on the control API, for Docker's HEALTHCHECK and supervisors.
 * Only the exit code matters there, so success prints nothing; a failure says why on stderr,
 * which Docker keeps in the container's health log.
 */
import { controlRequest, type ControlTarget } from './client.ts';

/** How long a health check may take before it counts as failed; under Docker's 30 s default timeout. */
export const HEALTH_TIMEOUT_MS = 5_000;

/** The result of one health check: ok, or the reason it failed. */
export type HealthResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Asks the control API whether the daemon is serving; never throws. */
export async function probeHealth(target: ControlTarget, timeoutMs = HEALTH_TIMEOUT_MS): Promise<HealthResult> {
  try {
    const body = (await controlRequest(target, 'GET', '/health', timeoutMs)) as { ok?: unknown } | null;
    // Something else listening on the socket or port must not pass for drowse.
    if (body?.ok !== true) return { ok: false, error: 'the control API answered, but not {"ok":true}' };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
