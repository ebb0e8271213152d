import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway cluster CA and the node certificate it signed, for 127.0.0.1 and localhost. */
export interface PveCerts {
  /** The CA certificate on disk, as a client's `ca` setting would point at it (like /etc/pve/pve-root-ca.pem). */
  readonly caFile: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The server certificate's SHA-256, upper-case hex pairs joined by ':' as the PVE web UI shows it. */
  readonly fingerprint: string;
}

let cached: Promise<PveCerts> | undefined;

/**
 * The certificates of every double in this process. Made once with the openssl CLI (Node has no
 * certificate builder) and cached, so a test file with many doubles pays for openssl once.
 */
export function pveCerts(): Promise<PveCerts> {
  cached ??= makeCerts().catch((err: unknown) => {
    cached = undefined;
    throw new Error('could not make the test certificates with openssl', { cause: err });
  });
  return cached;
}

async function makeCerts(): Promise<PveCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'drowse-pve-certs-'));
  // The files live as long as the process: clients read caFile whenever they connect.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2',
    '-subj', '/CN=drowse test PVE cluster CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-keyout', f('node.key'), '-out', f('node.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(f('node.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', f('node.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-out', f('node.pem'), '-days', '2', '-extfile', f('node.ext')]);
  const certPem = readFileSync(f('node.pem'), 'utf8');
  return {
    caFile: f('ca.pem'),
    caPem: readFileSync(f('ca.pem'), 'utf8'),
    certPem,
    keyPem: readFileSync(f('node.key'), 'utf8'),
    fingerprint: new X509Certificate(certPem).fingerprint256.toUpperCase(),
  };
}
