// Test app run by Node inside the test image (no node_modules there: built-ins only).
// Answers every request with JSON {app, method, url, headers, body}, echoing the body.
// Env: PORT (required), HOST (127.0.0.1), NAME ("app"), START_DELAY_MS (delay before listening),
//      IGNORE_SIGNALS ("TERM,INT": keep running on these).
// Routes: /healthz → "ok"; /status/NNN → that status; /slow?chunks=5&interval=200 → streams chunks;
//         /exit?code=N → exits (a crash on demand); /break → cuts the connection mid-response.
// Exits 128+signal on SIGTERM/SIGINT (143/130), so a test can tell which signal stopped it.
/* global process, console, Buffer, URL, setTimeout, setInterval, clearInterval -- Node globals; this file runs in the container, outside the TypeScript build. */
import http from 'node:http';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
const name = process.env.NAME || 'app';
const startDelay = Number(process.env.START_DELAY_MS || 0);
const ignored = new Set((process.env.IGNORE_SIGNALS || '').split(',').map((s) => s.trim().replace(/^SIG/, '')).filter(Boolean));

if (!Number.isInteger(port) || port <= 0) {
  console.error('http-app: PORT is required');
  process.exit(2);
}

// PID 1 in a container ignores signals it has no handler for, so the handlers are not optional.
for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129], ['SIGUSR1', 138]]) {
  process.on(signal, () => {
    if (ignored.has(signal.replace(/^SIG/, ''))) return console.log(`http-app ${name}: ignoring ${signal}`);
    console.log(`http-app ${name}: ${signal}, exiting ${code}`);
    process.exit(code);
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://app');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (url.pathname === '/healthz') return res.end('ok');
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
      return res.end(`status ${status[1]}`);
    }
    if (url.pathname === '/exit') {
      res.end('bye');
      return setTimeout(() => process.exit(Number(url.searchParams.get('code') || 1)), 10);
    }
    if (url.pathname === '/break') {
      // Dies mid-response: headers and a first chunk, then the connection is cut.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      return setTimeout(() => res.socket.destroy(), 50);
    }
    if (url.pathname === '/slow') {
      const total = Number(url.searchParams.get('chunks') || 5);
      const interval = Number(url.searchParams.get('interval') || 200);
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${sent}\n`);
        if (++sent >= total) {
          clearInterval(timer);
          res.end();
        }
      }, interval);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ app: name, method: req.method, url: req.url, headers: req.headers, body }));
  });
});

setTimeout(() => {
  server.listen(port, host, () => console.log(`http-app ${name}: listening on ${host}:${port}`));
}, startDelay);
