/** Where drowse reaches a container's port, from inspect documents recorded from a real engine (fixtures/inspect.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { reachOf, type ReachInspect } from './reach.ts';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/inspect.json', import.meta.url), 'utf8')) as Record<string, ReachInspect>;

/** A recorded document by name, deep-copied so a test can change it. */
function fixture(name: 'host' | 'published' | 'network' | 'none' | 'two'): ReachInspect {
  const doc = recorded[name];
  assert.ok(doc, `fixture ${name}`);
  return structuredClone(doc);
}

/** A recorded document with other network settings, as another engine would report them. */
function variant(name: 'host' | 'published' | 'network' | 'none' | 'two', mode: string, networks: Record<string, unknown> | null, bindings?: unknown): ReachInspect {
  const doc = fixture(name);
  return {
    ...doc,
    HostConfig: { ...doc.HostConfig, NetworkMode: mode, ...(bindings === undefined ? {} : { PortBindings: bindings }) },
    NetworkSettings: { ...doc.NetworkSettings, Networks: networks },
  };
}

const BRIDGE_ONLY = 'is not published and the container is only on the default bridge network, where names do not resolve';

test('host network: the port itself on 127.0.0.1', () => {
  assert.deepEqual(reachOf(fixture('host'), 8080), { host: '127.0.0.1', port: 8080 });
});

test('host network wins over a configured network', () => {
  assert.deepEqual(reachOf(fixture('host'), 8080, 'fixnet'), { host: '127.0.0.1', port: 8080 });
});

test('a port published on every address is reached on 127.0.0.1 at the host port', () => {
  assert.deepEqual(reachOf(fixture('published'), 8080), { host: '127.0.0.1', port: 18080 });
});

test('a port published on 127.0.0.1 keeps that address', () => {
  assert.deepEqual(reachOf(fixture('published'), 5432), { host: '127.0.0.1', port: 15432 });
});

test('a port published on 0.0.0.0 is reached on 127.0.0.1', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '18081' }] });
  assert.deepEqual(reachOf(doc, 80), { host: '127.0.0.1', port: 18081 });
});

test('a port published on every IPv6 address ("::") is reached on ::1', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [{ HostIp: '::', HostPort: '18082' }] });
  assert.deepEqual(reachOf(doc, 80), { host: '::1', port: 18082 });
});

test('a port published on one other address keeps it', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [{ HostIp: '::1', HostPort: '18083' }] });
  assert.deepEqual(reachOf(doc, 80), { host: '::1', port: 18083 });
});

test('the first binding with a fixed host port is used', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, {
    '80/tcp': [
      { HostIp: '', HostPort: '' },
      { HostIp: '', HostPort: '0' },
      { HostIp: '', HostPort: '70000' },
      { HostIp: '127.0.0.1', HostPort: '18084' },
      { HostIp: '', HostPort: '18085' },
    ],
  });
  assert.deepEqual(reachOf(doc, 80), { host: '127.0.0.1', port: 18084 });
});

test('a binding without a HostIp string counts as every address', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [{ HostPort: '18086' }] });
  assert.deepEqual(reachOf(doc, 80), { host: '127.0.0.1', port: 18086 });
});

test('a binding whose HostPort is not a string is skipped', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [{ HostIp: '', HostPort: 18087 }] });
  assert.deepEqual(reachOf(doc, 80), { problem: 'port 80 is published on a random host port, which changes on every start: give it a fixed one (ports: "80:80")' });
});

test('a published random port with nothing else is a problem saying to fix it', () => {
  const doc = variant('published', 'bridge', { bridge: {} });
  assert.deepEqual(reachOf(doc, 9000), { problem: 'port 9000 is published on a random host port, which changes on every start: give it a fixed one (ports: "9000:9000")' });
});

test('a published random port on a network of its own: the container name on it', () => {
  assert.deepEqual(reachOf(fixture('published'), 9000), { host: 'fx-published', port: 9000 });
});

test('a port not published on a network of its own: the container name, without the leading slash', () => {
  assert.deepEqual(reachOf(fixture('network'), 3000), { host: 'fx-network', port: 3000 });
});

test('a port published only as udp does not count', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '53/udp': [{ HostIp: '', HostPort: '5353' }] });
  assert.deepEqual(reachOf(doc, 53), { problem: `port 53 ${BRIDGE_ONLY}: publish it (ports: "53:53") or put it on a network drowse shares` });
});

test('an empty binding list is as good as none', () => {
  const doc = variant('published', 'bridge', { bridge: {} }, { '80/tcp': [] });
  assert.deepEqual(reachOf(doc, 80), { problem: `port 80 ${BRIDGE_ONLY}: publish it (ports: "80:80") or put it on a network drowse shares` });
});

for (const bindings of [null, 'x', { '80/tcp': 'x' }]) {
  test(`port bindings ${JSON.stringify(bindings)} are no bindings`, () => {
    const doc = variant('published', 'bridge', { bridge: {} }, bindings);
    assert.deepEqual(reachOf(doc, 80), { problem: `port 80 ${BRIDGE_ONLY}: publish it (ports: "80:80") or put it on a network drowse shares` });
  });
}

test('the configured network, when the container is on it: its name there, even when a port is published', () => {
  assert.deepEqual(reachOf(fixture('two'), 80, 'fixnet2'), { host: 'fx-two', port: 80 });
  assert.deepEqual(reachOf(fixture('published'), 8080, 'fixnet'), { host: 'fx-published', port: 8080 });
});

test('the configured network, when the container is not on it: a problem naming both', () => {
  assert.deepEqual(reachOf(fixture('network'), 80, 'proxy'), {
    problem: 'the container is not on network "proxy", the one drowse shares (it is on fixnet); connect it to proxy',
  });
  assert.deepEqual(reachOf(fixture('two'), 80, 'proxy'), {
    problem: 'the container is not on network "proxy", the one drowse shares (it is on fixnet, fixnet2); connect it to proxy',
  });
});

test('the configured network, when the container is on no network at all', () => {
  const doc = variant('network', 'fixnet', null);
  assert.deepEqual(reachOf(doc, 80, 'proxy'), { problem: 'the container is not on network "proxy", the one drowse shares (it is on none); connect it to proxy' });
});

test('a published fixed port does not help when the configured network is missing', () => {
  assert.deepEqual(reachOf(fixture('published'), 8080, 'proxy'), {
    problem: 'the container is not on network "proxy", the one drowse shares (it is on fixnet); connect it to proxy',
  });
});

test('no network: a problem', () => {
  const problem = { problem: 'the container has no network (network_mode: none)' };
  assert.deepEqual(reachOf(fixture('none'), 80), problem);
  assert.deepEqual(reachOf(fixture('none'), 80, 'none'), problem, 'even when told "none" is shared');
});

test("another container's network: a problem saying to label that one", () => {
  const doc = variant('network', 'container:abc', {});
  const problem = { problem: "the container shares another container's network; label that container instead" };
  assert.deepEqual(reachOf(doc, 80), problem);
  assert.deepEqual(reachOf(doc, 80, 'fixnet'), problem);
});

test('only the default bridge and nothing published: a problem saying what to do', () => {
  const doc = variant('network', 'bridge', { bridge: {} });
  assert.deepEqual(reachOf(doc, 8080), { problem: `port 8080 ${BRIDGE_ONLY}: publish it (ports: "8080:8080") or put it on a network drowse shares` });
});

for (const builtIn of ['bridge', 'host', 'none', 'default']) {
  test(`built-in network "${builtIn}" is not a network of its own`, () => {
    const doc = variant('network', 'default', { [builtIn]: {} });
    assert.equal('problem' in reachOf(doc, 80), true);
  });
}

test('the default bridge plus a network of its own: the name on the own network', () => {
  const doc = variant('network', 'bridge', { bridge: {}, stack_default: {} });
  assert.deepEqual(reachOf(doc, 80), { host: 'fx-network', port: 80 });
});

test('a published fixed port wins over the name on a network of its own', () => {
  const doc = variant('network', 'fixnet', { fixnet: {} }, { '80/tcp': [{ HostIp: '', HostPort: '18088' }] });
  assert.deepEqual(reachOf(doc, 80), { host: '127.0.0.1', port: 18088 });
});

test('a missing network mode reads the networks', () => {
  const doc = fixture('network');
  const noMode = { ...doc, HostConfig: { PortBindings: {} } } as unknown as ReachInspect;
  assert.deepEqual(reachOf(noMode, 80), { host: 'fx-network', port: 80 });
});
