/** Where the CLI finds the control API: --control, else $DROWSE_CONTROL, else the config. */
import { parseHostPort } from '../config/index.ts';
import type { ControlTarget } from '../control/index.ts';

/** Where the daemon's control API is: the shape controlRequest takes. */
export type CliControlTarget = ControlTarget;

/** `--control` or `$DROWSE_CONTROL` could not be read. */
export class ControlAddressError extends Error {
  override readonly name = 'ControlAddressError';
}

/**
 * A socket path or http://host:port. `tcp://host:port` and a bare `host:port` are taken as TCP
 * too; anything with a slash and no scheme is a socket path.
 */
export function parseControlAddress(text: string, token: string | undefined): CliControlTarget {
  const withToken = token ? { token } : {};
  const scheme = /^([a-z]+):\/\/(.*)$/i.exec(text);
  if (scheme) {
    const [, proto = '', rest = ''] = scheme;
    if (proto.toLowerCase() === 'unix') return { socket: rest, ...withToken };
    if (proto.toLowerCase() !== 'http' && proto.toLowerCase() !== 'tcp') throw new ControlAddressError(`control address "${text}": use a socket path or http://host:port`);
    const listen = parseHostPort(rest.replace(/\/+$/, ''));
    if (!listen || listen.port === 0) throw new ControlAddressError(`control address "${text}": expected http://host:port`);
    return { listen: { host: listen.host || '127.0.0.1', port: listen.port }, ...withToken };
  }
  if (!text.includes('/')) {
    const listen = parseHostPort(text);
    if (listen && listen.port > 0) return { listen: { host: listen.host || '127.0.0.1', port: listen.port }, ...withToken };
  }
  if (text.trim() === '') throw new ControlAddressError('control address is empty');
  return { socket: text, ...withToken };
}

/**
 * The target from the command line or the environment, or undefined when neither names one (the
 * config is asked then). $DROWSE_TOKEN overrides the config's token wherever the target came from.
 */
export function explicitTarget(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): CliControlTarget | undefined {
  const where = flag ?? (env.DROWSE_CONTROL || undefined);
  if (where === undefined) return undefined;
  return parseControlAddress(where, env.DROWSE_TOKEN || undefined);
}
