/**
 * The backend (nginx serving static files on core 1) and the peers as reverse proxies to it on
 * core 0 — nginx, Caddy, HAProxy, each with one worker/thread like drowse's one JS thread —
 * with their configs generated into a temp dir.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../test/helpers/index.ts';
import { LOAD_CPU, PROXY_CPU, startPinned, type Started } from './proc.ts';
import type { Available } from './tools.ts';

/** The files the backend serves: /100b and /1m. */
export const SIZES = { '100b': 100, '1m': 1024 * 1024 } as const;
export type Size = keyof typeof SIZES;

export interface Server extends Started {
  readonly port: number;
}

function nginxConf(dir: string, port: number, body: string): string {
  const temp = (k: string) => `${k}_temp_path ${dir}/tmp-${k};`;
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    ${body}
  }
}
`;
}

async function startNginx(nginx: string, name: string, dir: string, cpu: string, body: string): Promise<Server> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, nginxConf(dir, port, body));
  const s = await startPinned({ name, cpu, cmd: nginx, args: ['-e', path.join(dir, 'error.log'), '-p', dir, '-c', conf], port });
  return { ...s, port };
}

/** nginx serving /100b and /1m from dir/www, pinned to the load core. */
export async function startBackend(tools: Available, dir: string): Promise<Server> {
  if (!tools.nginx) throw new Error('the backend needs nginx (apt-get install nginx)');
  const www = path.join(dir, 'www');
  await mkdir(www, { recursive: true });
  for (const [file, size] of Object.entries(SIZES)) await writeFile(path.join(www, file), Buffer.alloc(size, 'x'));
  // nginx's workers run as nobody when started as root: they must be able to read the files.
  for (const d of [dir, www]) await chmod(d, 0o755);
  return startNginx(tools.nginx, 'backend', path.join(dir, 'backend'), LOAD_CPU, `root ${www};\n    location / { }`);
}

export type PeerName = 'nginx' | 'caddy' | 'haproxy';

/** A bare Node proxy on http-proxy-3 (node-proxy.mjs), run by this Node with the flags drowse gets. */
export async function startNodeProxy(backendPort: number, nodeFlags: readonly string[]): Promise<Server> {
  const port = await freePort();
  const s = await startPinned({ name: 'node-proxy', cpu: PROXY_CPU, cmd: process.execPath, args: [...nodeFlags, path.join(import.meta.dirname, 'node-proxy.mjs'), String(port), String(backendPort)], port });
  return { ...s, port };
}

/** Starts one peer proxying to the backend on core 0, or undefined when its tool is missing. */
export async function startPeer(peer: PeerName, tools: Available, dir: string, backendPort: number): Promise<Server | undefined> {
  const bin = tools[peer];
  if (!bin) return undefined;
  const home = path.join(dir, peer);
  await mkdir(home, { recursive: true });
  if (peer === 'nginx') {
    return startNginx(bin, 'nginx', home, PROXY_CPU, `location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64;`);
  }
  const port = await freePort();
  if (peer === 'caddy') {
    const file = path.join(home, 'Caddyfile');
    await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\nhttp://:${port} {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:${backendPort}\n}\n`);
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home };
    const s = await startPinned({ name: 'caddy', cpu: PROXY_CPU, cmd: bin, args: ['run', '--config', file, '--adapter', 'caddyfile'], port, env });
    return { ...s, port };
  }
  const file = path.join(home, 'haproxy.cfg');
  await writeFile(file, `global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend bench
  bind 127.0.0.1:${port}
  default_backend backend
backend backend
  server s1 127.0.0.1:${backendPort}
`);
  const s = await startPinned({ name: 'haproxy', cpu: PROXY_CPU, cmd: bin, args: ['-f', file, '-db'], port });
  return { ...s, port };
}
