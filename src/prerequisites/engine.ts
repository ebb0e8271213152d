/** What an engine's failed listing means for the operator: a stable code and what to do. */
import { errorMessage } from '../kernel/index.ts';
import type { Finding } from './prerequisite.ts';

/** The first `code` and HTTP status down the cause chain (the socket's errno sits under the ProviderError). */
function facts(err: unknown): { code?: string; statusCode?: number } {
  let code: string | undefined;
  let statusCode: number | undefined;
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    const s = (e as { statusCode?: unknown }).statusCode;
    if (code === undefined && typeof c === 'string') code = c;
    if (statusCode === undefined && typeof s === 'number') statusCode = s;
  }
  return { ...(code === undefined ? {} : { code }), ...(statusCode === undefined ? {} : { statusCode }) };
}

/** The finding for an engine `provider` whose listing failed with `err`. */
export function engineFinding(provider: string, err: unknown): Finding {
  const { code, statusCode } = facts(err);
  const message = `engine "${provider}": ${errorMessage(err)}`;
  if (code === 'EACCES' || code === 'EPERM') {
    return { code: 'engine_permission_denied', severity: 'error', message, hint: 'add the drowse user to the docker group (usermod -aG docker drowse; systemd: SupplementaryGroups=docker) or give it access to the engine socket' };
  }
  if (code === 'ENOENT') return { code: 'engine_socket_missing', severity: 'error', message, hint: 'is the Docker engine running (systemctl start docker)? or set providers.docker.<name>.socket to where its socket is' };
  if (statusCode === 401 || statusCode === 403) {
    return { code: 'engine_forbidden', severity: 'error', message, hint: 'the engine (or a socket proxy in front of it) refuses GET /containers/json: allow CONTAINERS, EVENTS, POST and INFO on the proxy' };
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT') {
    return { code: 'engine_unreachable', severity: 'error', message, hint: 'check that the engine is up and that its address (providers.docker.<name>.url or socket) is right; drowse keeps retrying' };
  }
  if (/certificate|tls|ssl/i.test(message)) return { code: 'engine_tls_failed', severity: 'error', message, hint: 'check providers.docker.<name>.tls (ca, cert, key) against the engine\'s certificates' };
  if (/timed out/i.test(message)) return { code: 'engine_timeout', severity: 'error', message, hint: 'the engine did not answer within 5 s: is it overloaded, or is the address a black hole?' };
  return { code: 'engine_failed', severity: 'error', message, hint: 'see the message; drowse keeps retrying in the background' };
}
