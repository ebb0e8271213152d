/**
 * examples/compose.yaml is what a homelab user copies. No registry (and no `docker compose`) is
 * reachable where the tests run, so the file is checked as far as it can be without one: its
 * shape, and that the services drowse's own label discovery makes of its containers (the labels
 * Compose would add included) are all served, with routes that reach the apps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatProblem, parseConfig, parseHostPort, servicesFromLabels, withDiscovered, type LabelledWorkload } from '../src/config/index.ts';
import { reachOf } from '../src/provider/docker/index.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', 'examples');

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  network_mode?: string;
  group_add?: string[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  command?: string[];
  container_name?: string;
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string | number>;
  labels?: Record<string, string>;
}
interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
}

async function compose(): Promise<ComposeFile> {
  return parseYaml(await readFile(resolve(EXAMPLES, 'compose.yaml'), 'utf8')) as ComposeFile;
}

/** Compose's depends_on, short (list) or long (map) syntax, as the label Compose writes would carry it. */
function composeDependsOnLabel(s: ComposeService): string {
  const names = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
  return names.map((n) => `${n}:service_started:false`).join(',');
}

/**
 * One compose service as drowse's discovery would see its container: the labels Compose adds to
 * the file's, and the inspect settings the targets are derived from (network mode, port bindings).
 */
function asDiscovered(project: string, name: string, s: ComposeService): LabelledWorkload {
  const id = s.container_name ?? `${project}-${name}-1`;
  const labels: Record<string, string> = {
    ...s.labels,
    'com.docker.compose.project': project,
    'com.docker.compose.service': name,
    ...(s.depends_on ? { 'com.docker.compose.depends_on': composeDependsOnLabel(s) } : {}),
  };
  const network = s.network_mode ?? 'default';
  const info = { Name: `/${id}`, HostConfig: { NetworkMode: network, PortBindings: {} }, NetworkSettings: { Networks: { [network === 'default' ? `${project}_default` : network]: {} } } };
  return { provider: 'local', id, labels, reach: (port) => reachOf(info, port) };
}

test('the compose example builds drowse from the top-level Dockerfile and gives it the socket and its group', async () => {
  const { services } = await compose();
  const drowse = services['drowse'];

  assert.ok(drowse, 'a drowse service');
  assert.ok(existsSync(resolve(EXAMPLES, drowse.build?.context ?? '.', drowse.build?.dockerfile ?? 'Dockerfile')), 'build context holds the Dockerfile');
  assert.equal(drowse.image, 'drowse:local', 'the tag npm run image builds, so both ways meet');
  assert.equal(drowse.network_mode, 'host');
  assert.ok(drowse.volumes?.includes('/var/run/docker.sock:/var/run/docker.sock'));
  assert.match(drowse.group_add?.[0] ?? '', /DOCKER_GID/);
});

test("the compose example's labelled apps make a valid config whose routes reach the apps", async () => {
  const file = await compose();
  const labelled = Object.entries(file.services).filter(([, s]) => s.labels?.['drowse.enable'] === 'true');
  const found = servicesFromLabels(Object.entries(file.services).map(([name, s]) => asDiscovered(file.name, name, s)));
  const base = parseConfig('providers:\n  docker:\n    local: { labels: true }\n', 'embedded', {});
  assert.ok(base.ok);

  const merged = withDiscovered(base.config, found);

  assert.deepEqual(merged.unavailable, [], 'every labelled app is served');
  const byName = new Map(merged.config.services.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['db', 'miniflux']);
  const app = byName.get('miniflux');
  const db = byName.get('db');
  assert.deepEqual(app?.dependsOn, ['db'], "Compose's depends_on, read from its label");
  assert.ok(app?.http && !app.tcp, 'the app is HTTP');
  assert.ok(db?.tcp && !db.http, 'the database is TCP only');
  for (const [name] of labelled) assert.equal(file.services[name]?.network_mode, 'host', `${name} on the host network, where the target is 127.0.0.1:port`);
  // The ports the labels name are the ports the apps listen on, and the app goes through drowse's TCP route.
  const env = file.services['miniflux']?.environment ?? {};
  assert.equal(env['LISTEN_ADDR'], `127.0.0.1:${file.services['miniflux']?.labels?.['drowse.http.port']}`);
  assert.ok(file.services['db']?.command?.includes(`port=${file.services['db']?.labels?.['drowse.tcp.port']}`));
  assert.match(String(env['DATABASE_URL']), new RegExp(`@${file.services['db']?.labels?.['drowse.tcp.listen']}/`));
});

test('the optional socket proxy is opt-in, on loopback only, and allows what drowse needs and no more', async () => {
  const { services } = await compose();
  const proxy = services['socket-proxy'];

  assert.ok(proxy, 'a socket-proxy service');
  assert.deepEqual(proxy.profiles, ['socket-proxy'], 'only with --profile socket-proxy');
  assert.deepEqual(proxy.ports, ['127.0.0.1:2375:2375'], 'the Docker API never on the network');
  const allowed = Object.entries(proxy.environment ?? {}).filter(([, v]) => String(v) === '1').map(([k]) => k).sort();
  assert.deepEqual(allowed, ['CONTAINERS', 'EVENTS', 'PING', 'POST', 'SYSTEM', 'VERSION']);
  assert.ok(proxy.volumes?.includes('/var/run/docker.sock:/var/run/docker.sock:ro'));

  // drowse's config for it: the proxy's published port, labels on, valid.
  const mount = services['drowse']?.volumes?.find((v) => v.includes('socket-proxy.yaml'));
  assert.equal(mount, './drowse.socket-proxy.yaml:/etc/drowse/socket-proxy.yaml:ro');
  const config = parseConfig(await readFile(resolve(EXAMPLES, 'drowse.socket-proxy.yaml'), 'utf8'), 'examples/drowse.socket-proxy.yaml', {});
  assert.ok(config.ok, config.ok ? '' : config.problems.map(formatProblem).join('\n'));
  const provider = config.config.providers.docker.find((p) => p.name === 'local');
  assert.equal(provider?.labels, true);
  assert.equal(parseHostPort(String(provider?.url).replace(/^tcp:\/\//, ''))?.port, 2375);
});
