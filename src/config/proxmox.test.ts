// Proxmox VE in the config: providers.proxmox entries and services whose workload is an LXC guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig } from './index.ts';

const PROVIDER = `providers:
  proxmox:
    pve:
      url: https://pve.lan:8006
      token_id: drowse@pve!proxy
      token_secret: \${PVE_SECRET}
`;
const ENV = { PVE_SECRET: 'a8c1f2e0-secret-value' };

function problems(text: string): string[] {
  const r = parseConfig(text, 'drowse.yaml', ENV);
  return r.ok ? [] : r.problems.map(formatProblem);
}

function parsed(text: string) {
  const r = parseConfig(text, 'drowse.yaml', ENV);
  if (!r.ok) assert.fail(r.problems.map(formatProblem).join('\n'));
  return r;
}

test('a proxmox provider resolves with its defaults, and its token secret is a secret', () => {
  const { config } = parsed(PROVIDER);
  assert.deepEqual(config.providers.proxmox, [
    {
      name: 'pve',
      url: 'https://pve.lan:8006',
      tokenId: 'drowse@pve!proxy',
      tokenSecret: 'a8c1f2e0-secret-value',
      tls: { insecure: false },
      timeoutMs: 10_000,
      pollIntervalMs: 5_000,
      wakePollIntervalMs: 1_000,
    },
  ]);
  assert.ok(config.secrets?.includes('a8c1f2e0-secret-value'));
});

test('a token secret written into the file itself is redacted too', () => {
  const { config } = parsed(PROVIDER.replace('${PVE_SECRET}', 'literal-secret-in-file'));
  assert.ok(config.secrets?.includes('literal-secret-in-file'));
});

test('ca or fingerprint reaches the provider; the fingerprint is upper-cased to compare', () => {
  const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':');
  const pinned = parsed(`${PROVIDER}      fingerprint: "${fp}"\n      timeout: 3s\n`).config.providers.proxmox[0];
  assert.deepEqual(pinned?.tls, { fingerprint: fp.toUpperCase(), insecure: false });
  assert.equal(pinned?.timeoutMs, 3000);
  assert.deepEqual(parsed(`${PROVIDER}      ca: /etc/drowse/pve-root-ca.pem\n`).config.providers.proxmox[0]?.tls, { ca: '/etc/drowse/pve-root-ca.pem', insecure: false });
});

test('a guest service names its vmid as the workload id and its node as where to look first', () => {
  const { config } = parsed(`${PROVIDER}services:\n  notes:\n    proxmox: { node: pve1, vmid: 101 }\n    http: { host: notes.lan, target: "http://127.0.0.1:3000" }\n`);
  const s = config.services[0];
  assert.deepEqual(s?.workload, { provider: 'pve', id: '101', location: 'pve1' });
  assert.equal(s?.address, undefined, 'a target in the config is used as it is');
});

test('a port instead of a target derives the address from the guest, on a named interface when given', () => {
  const { config } = parsed(`${PROVIDER}services:
  notes:
    proxmox: { node: pve1, vmid: 101, interface: eth1 }
    http: { host: notes.lan, port: 3000 }
  db:
    proxmox: { provider: pve, node: pve2, vmid: 102 }
    tcp: { listen: "127.0.0.1:5432", port: 5432 }
`);
  const [notes, db] = config.services;
  assert.deepEqual(notes?.address, { interface: 'eth1' });
  assert.deepEqual(notes?.http, { hosts: ['notes.lan'], port: 3000 });
  assert.deepEqual(db?.address, {});
  assert.equal(db?.tcp?.port, 5432);
  assert.equal(db?.tcp?.target, undefined);
});

test('stop_method pause on a guest warns that LXC suspend is experimental; tls_insecure warns too', () => {
  const r = parsed(`${PROVIDER}      tls_insecure: true\ndefaults:\n  stop_method: pause\nservices:\n  notes:\n    proxmox: { node: pve1, vmid: 101 }\n`);
  assert.equal(r.warnings.length, 2, r.warnings.join('\n'));
  assert.match(r.warnings.join('\n'), /providers\.proxmox\.pve\.tls_insecure: certificates of this cluster are not checked/);
  assert.match(r.warnings.join('\n'), /services\.notes: stop_method pause suspends the guest, which Proxmox VE marks experimental/);
});

const FP = Array.from({ length: 32 }, () => 'ab').join(':');
const broken: [name: string, text: string, expected: string[]][] = [
  ['a provider that is not https', PROVIDER.replace('https://pve.lan:8006', 'http://pve.lan:8006'), ['drowse.yaml:4:12: providers.proxmox.pve.url: expected the cluster address as https://host:8006']],
  ['a token id without its realm and token name', PROVIDER.replace('drowse@pve!proxy', 'drowse'), ['drowse.yaml:5:17: providers.proxmox.pve.token_id: expected USER@REALM!TOKENID, like drowse@pve!proxy']],
  ['an empty token secret', PROVIDER.replace('${PVE_SECRET}', '""'), ['drowse.yaml:6:21: providers.proxmox.pve.token_secret: give the token secret, e.g. ${PVE_TOKEN_SECRET}']],
  ['a fingerprint that is no SHA-256', `${PROVIDER}      fingerprint: "AB:CD"\n`, ['drowse.yaml:7:20: providers.proxmox.pve.fingerprint: expected a SHA-256 fingerprint as 32 hex pairs joined by ":", as the Proxmox web UI shows it']],
  ['tls_insecure beside a pinned certificate', `${PROVIDER}      tls_insecure: true\n      fingerprint: "${FP}"\n`, ['drowse.yaml:7:21: providers.proxmox.pve.tls_insecure: tls_insecure skips the certificate check that fingerprint asks for; give one or the other']],
  ['ca and fingerprint both: the pin would win unsaid', `${PROVIDER}      ca: /etc/pve-root-ca.pem\n      fingerprint: "${FP}"\n`, ['drowse.yaml:8:20: providers.proxmox.pve.fingerprint: a pinned fingerprint trusts that one certificate by itself, whatever signed it; give either ca or fingerprint']],
  ['a docker probe on a guest', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n    health: { docker: {} }\n`, ["drowse.yaml:10:15: services.a.health.docker: a docker probe reads a container's HEALTHCHECK; a Proxmox guest is checked with http or tcp"]],
  ['an exec probe on a guest', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n    health: { exec: ["true"] }\n`, ['drowse.yaml:10:15: services.a.health.exec: an exec probe runs inside a container; a Proxmox guest is checked with http or tcp']],
  ['a vmid below Proxmox range', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 99 }\n`, ['drowse.yaml:9:34: services.a.proxmox.vmid: Proxmox guest ids are from 100 to 999999999']],
  ['a guest on an unknown provider', `${PROVIDER}services:\n  a:\n    proxmox: { provider: pv, node: pve1, vmid: 101 }\n`, ['drowse.yaml:9:26: services.a.proxmox.provider: unknown proxmox provider "pv" (known: pve)']],
  ['a guest with no proxmox provider configured', `services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n`, ['drowse.yaml:3:14: services.a.proxmox: no proxmox provider is configured (add one under providers.proxmox)']],
  ['one guest for two services', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n  b:\n    proxmox: { node: pve2, vmid: 101 }\n`, ['drowse.yaml:11:34: services.b.proxmox.vmid: guest 101 is already the workload of service "a"; give one service both routes']],
  ['a port for a docker container', `services:\n  a:\n    docker: { container: a }\n    http: { host: a.lan, port: 80 }\n`, ['drowse.yaml:4:32: services.a.http.port: port derives the target from a Proxmox guest\'s address; give target for a docker container']],
  ['both target and port', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n    http: { host: a.lan, port: 80, target: "http://127.0.0.1:80" }\n`, ['drowse.yaml:10:32: services.a.http.port: give either target or port, not both']],
  ['a guest route with neither target nor port', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101 }\n    tcp: { listen: "127.0.0.1:5432" }\n`, ["drowse.yaml:10:5: services.a.tcp: needs target, or port on the guest's own address"]],
  ['an interface with nothing to derive', `${PROVIDER}services:\n  a:\n    proxmox: { node: pve1, vmid: 101, interface: eth0 }\n    http: { host: a.lan, target: "http://127.0.0.1:80" }\n`, ['drowse.yaml:9:50: services.a.proxmox.interface: interface picks the address a port applies to; give http.port or tcp.port, or drop it']],
  ["a guest's key under docker is unknown there", `services:\n  a:\n    docker: { container: a, vmid: 1 }\n`, ['drowse.yaml:3:29: services.a.docker.vmid: unknown key "vmid"']],
];

for (const [name, text, expected] of broken) {
  test(`refused: ${name}`, () => {
    assert.deepEqual(problems(text), expected);
  });
}

test('the token secret never appears in a problem, even one that quotes the value', () => {
  const out = problems(`${PROVIDER}services:\n  a:\n    proxmox: { provider: \${PVE_SECRET}, node: pve1, vmid: 101 }\n`).join('\n');
  assert.ok(out.length > 0);
  assert.ok(!out.includes(ENV.PVE_SECRET), out);
});
