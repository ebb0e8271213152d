// Test app: an HTTP server that also accepts WebSocket upgrades and echoes text frames back.
// RFC 6455 handshake and framing by hand (the test image has no node_modules). Plain HTTP
// requests get JSON {app, method, url, headers}. Env: PORT (required), HOST (127.0.0.1), NAME ("ws").
/* global process, console, Buffer -- Node globals; this file runs in the container, outside the TypeScript build. */
import http from 'node:http';
import { createHash } from 'node:crypto';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
const name = process.env.NAME || 'ws';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]]) process.on(signal, () => process.exit(code));

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ app: name, method: req.method, url: req.url, headers: req.headers }));
});

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
    return socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let buffer = Buffer.alloc(0);
  let message = [];
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const frame = parseFrame(buffer);
      if (!frame) break;
      buffer = buffer.subarray(frame.length);
      if (frame.opcode === 0x8) return socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
      if (frame.opcode === 0x9) { socket.write(encodeFrame(0xa, frame.payload)); continue; }
      if (frame.opcode === 0x1 || frame.opcode === 0x0) {
        message.push(frame.payload);
        if (frame.fin) {
          socket.write(encodeFrame(0x1, Buffer.concat(message)));
          message = [];
        }
      }
    }
  });
  socket.on('error', () => socket.destroy());
});

/** One frame from the start of buf, or undefined when it is not complete yet. Client frames are masked. */
function parseFrame(buf) {
  if (buf.length < 2) return undefined;
  const fin = (buf[0] & 0x80) !== 0;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOffset + (i % 4)];
  return { fin, opcode, payload, length: offset + len };
}

/** An unmasked server frame with FIN set. */
function encodeFrame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  return Buffer.concat([head, payload]);
}

server.listen(port, host, () => console.log(`ws-app ${name}: listening on ${host}:${port}`));
