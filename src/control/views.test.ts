/** /status says where each service came from, which labels are ignored, and which labelled containers are not served and why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem, parseConfig, servicesFromLabels, withDiscovered, type DiscoveredConfig, type LabelledWorkload } from '../config/index.ts';
import { silentLogger } from '../kernel/index.ts';
import { ServiceRegistry } from '../service/index.ts';
import { FakeProvider } from '../../test/contract/index.ts';
import { ManualClock } from '../../test/helpers/fakes/index.ts';
import { Metrics } from './metrics.ts';
import { ControlViews, type DiscoveryView } from './views.ts';

const FILE = `entrypoints: { http: "127.0.0.1:8080" }
providers:
  docker:
    local: { labels: true }
services:
  files:
    docker: { container: files-c }
    http: { host: files.lan, target: "http://127.0.0.1:18001" }
`;

function container(id: string, labels: Record<string, string>): LabelledWorkload {
  return { provider: 'local', id, labels: { 'drowse.enable': 'true', 'drowse.http.host': `${id}.lan`, 'drowse.http.port': '80', ...labels }, reach: (port) => ({ host: '127.0.0.1', port }) };
}

function views(containers: readonly LabelledWorkload[], opts: { discovery?: boolean; sources?: readonly object[] } = {}) {
  const result = parseConfig(FILE, 'drowse.yaml', {});
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.map(formatProblem)));
  const merged: DiscoveredConfig = withDiscovered(result.config, servicesFromLabels(containers));
  const local = new FakeProvider('local');
  for (const s of merged.config.services) local.add(s.workload.id);
  const services = new ServiceRegistry({ services: merged.config.services, provider: () => local, log: silentLogger(), probeTimeoutMs: 500 });
  const clock = new ManualClock();
  const view: DiscoveryView = { status: () => opts.sources ?? [{ provider: 'local', containers: containers.length }], merged: () => merged };
  const v: ControlViews = new ControlViews({
    version: '0.0.0-test',
    source: 'drowse.yaml',
    clock,
    startedAt: clock.now(),
    backends: new Map(),
    services,
    held: () => 0,
    metrics: new Metrics(() => v.snapshot()),
    ...(opts.discovery === false ? {} : { discovery: () => view }),
  });
  const status = v.status() as { services: Array<Record<string, unknown>>; discovery?: unknown };
  services.stop();
  return { status, byName: (name: string) => status.services.find((s) => s['name'] === name) };
}

test('a file service says source file and has no container or compose part', () => {
  const { byName } = views([]);
  const files = byName('files');
  assert.equal(files?.['source'], 'file');
  assert.equal(Object.hasOwn(files!, 'container'), false);
  assert.equal(Object.hasOwn(files!, 'compose'), false);
  assert.equal(Object.hasOwn(files!, 'labels_ignored'), false);
  assert.equal(files?.['workload'], 'files-c');
});

test('a label service says source labels, with its container and Compose project and service', () => {
  const { byName } = views([container('stack-app-1', { 'drowse.name': 'app', 'com.docker.compose.project': 'stack', 'com.docker.compose.service': 'app' })]);
  const app = byName('app');
  assert.equal(app?.['source'], 'labels');
  assert.equal(app?.['container'], 'stack-app-1');
  assert.deepEqual(app?.['compose'], { project: 'stack', service: 'app' });
  assert.equal(app?.['state'], 'asleep');
  assert.equal(Object.hasOwn(app!, 'labels_ignored'), false);
});

test('a label service outside Compose has a container and no compose part', () => {
  const app = views([container('app', {})]).byName('app');
  assert.equal(app?.['container'], 'app');
  assert.equal(Object.hasOwn(app!, 'compose'), false);
});

test('a file service whose name a labelled container also has says its labels are ignored', () => {
  const files = views([container('files', {})]).byName('files');
  assert.equal(files?.['source'], 'file');
  assert.equal(files?.['labels_ignored'], 'the config file defines this service; its container labels are not used');
  assert.equal(files?.['workload'], 'files-c', 'the file definition is the one served');
});

test('an unavailable labelled container is listed after the served ones, with state unavailable and its problems', () => {
  const { status } = views([container('bad', { 'drowse.idle_timeout': 'soon' }), container('good', {})]);
  assert.deepEqual(status.services.map((s) => [s['name'], s['state']]), [
    ['files', 'asleep'],
    ['good', 'asleep'],
    ['bad', 'unavailable'],
  ]);
  assert.deepEqual(status.services[2], {
    name: 'bad',
    state: 'unavailable',
    source: 'labels',
    provider: 'local',
    container: 'bad',
    problems: ['container "bad": label drowse.idle_timeout: expected a duration like 30s or 15m'],
  });
});

test('the discovery sources are shown when a provider discovers', () => {
  const { status } = views([], { sources: [{ provider: 'local', containers: 0, error: 'engine down' }] });
  assert.deepEqual(status.discovery, [{ provider: 'local', containers: 0, error: 'engine down' }]);
});

test('without discovery there is no discovery part, and every service is from the file', () => {
  const { status } = views([container('files', {})], { discovery: false });
  assert.equal(Object.hasOwn(status, 'discovery'), false);
  assert.deepEqual(status.services.map((s) => [s['name'], s['source'], Object.hasOwn(s, 'labels_ignored')]), [['files', 'file', false]]);
});
