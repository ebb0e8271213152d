/**
 * The floor for a proxy on Node and http-proxy-3: the library in front of the backend with a
 * keep-alive agent and nothing else — no routing, no headers, no state. The warm benchmark runs it
 * beside drowse, so what drowse adds and what Node's HTTP costs on this machine are told apart.
 * Plain JavaScript, as drowse runs from dist/: a .ts file would load Node's type stripper, and its
 * memory would count against the floor.
 *
 *   node bench/lib/node-proxy.mjs <port> <backend port>
 */
/* global process -- Node's. */
import http from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [port, backend] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' });
const proxy = createProxyServer({ agent, xfwd: false });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});
const target = `http://127.0.0.1:${backend}`;
http.createServer((req, res) => proxy.web(req, res, { target })).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
