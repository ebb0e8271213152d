import os from 'node:os';
import path from 'node:path';

/**
 * Where the control socket lives when the config does not say: /run/drowse for root (as a system
 * service would have it), the user's runtime dir otherwise, so `npm start` works without privileges.
 */
export function defaultControlSocket(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/run/drowse/control.sock';
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return path.join(runtime, 'drowse', 'control.sock');
  return path.join(os.tmpdir(), `drowse-${process.getuid?.() ?? 'user'}`, 'control.sock');
}
