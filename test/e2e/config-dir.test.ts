// The control plane's config folder end to end, with a real ADS client: a Route file written into
// --config-dir reaches the outbound RouteConfiguration within a second; a broken file is rejected
// (named with file and line at /debug/config) while the last good routes stay; a removed file's
// rules are gone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import { callerCredentials } from '../support/mesh-security.js';
import { TYPE_URL, createAdsClient, type AdsClient, type DiscoveryResponseIn } from '../../proto/xds.js';
import { cliPath, startCli, waitFor, type RunningProcess } from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const PROBE = 'probe.default.svc.cluster.local';

type Json = Record<string, any>;

const ROUTE = `apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v2, labels: { version: v2 } }
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - match: [{ headers: { x-canary: { exact: "yes" } } }]
      destinations: [{ service: reviews, subset: v2 }]
      timeout: 2s
`;

const BROKEN = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: ratings }
spec:
  host: reviews.default
  rules:
    - destinations:
        - { service: reviews, weight: 50 }
        - { service: reviews, subset: v2, weight: 40 }
`;

/** A control plane watching `configDir`; its own helper since test/support's takes no folder. */
async function startControlPlaneWithConfigDir(
  configDir: string,
): Promise<RunningProcess & { grpc: string; admin: string }> {
  const [running, record] = await startCli(
    [
      'control-plane',
      '--grpc-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
      '--debounce-ms',
      '20',
      '--config-dir',
      configDir,
    ],
    'control plane listening',
  );
  return Object.assign(running, { grpc: String(record.grpc), admin: String(record.admin) });
}

/** An ADS client that subscribes to the outbound RouteConfiguration, ACKs every push and keeps the latest. */
function watchOutboundRoutes(client: AdsClient) {
  const stream = client.StreamAggregatedResources();
  const state = { version: '', routes: undefined as Json | undefined, responses: 0 };
  stream.on('data', (response: DiscoveryResponseIn) => {
    state.responses++;
    state.version = response.version_info ?? '';
    state.routes = response.resources.find((resource) => resource.name === 'outbound') as Json | undefined;
    stream.write({
      type_url: TYPE_URL.route,
      resource_names: ['outbound'],
      version_info: state.version,
      response_nonce: response.nonce ?? '',
    });
  });
  stream.on('error', () => undefined);
  stream.write({
    node: { id: 'config-dir-test', locality: {} },
    type_url: TYPE_URL.route,
    resource_names: ['outbound'],
    version_info: '',
    response_nonce: '',
  });
  return { stream, state };
}

function reviewsRoutes(routes: Json | undefined): Json[] {
  return ((routes?.virtual_hosts ?? []) as Json[]).find((host) => host.name === REVIEWS)?.routes ?? [];
}

const hasVirtualHost = (routes: Json | undefined, name: string) =>
  ((routes?.virtual_hosts ?? []) as Json[]).some((host) => host.name === name);

const hasCanaryRule = (routes: Json | undefined) =>
  reviewsRoutes(routes).some((route) => route.route?.cluster === `${REVIEWS}~v2`);

describe('control plane config folder', () => {
  let configDir: string;
  let controlPlane: RunningProcess & { grpc: string; admin: string };
  let registry: RegistryClient;
  let ads: AdsClient;
  let watch: ReturnType<typeof watchOutboundRoutes>;

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'pilotfish-config-dir-'));
    controlPlane = await startControlPlaneWithConfigDir(configDir);
    registry = registryClient(controlPlane.grpc);
    await register(registry, {
      instance: {
        service: 'reviews',
        instance_id: 'reviews-1',
        address: '127.0.0.1',
        port: 9001,
        labels: { version: 'v1' },
      },
      ttl_seconds: 3600,
    });
    await register(registry, {
      instance: {
        service: 'reviews',
        instance_id: 'reviews-2',
        address: '127.0.0.1',
        port: 9002,
        labels: { version: 'v2' },
      },
      ttl_seconds: 3600,
    });
    ads = createAdsClient(controlPlane.grpc, {}, callerCredentials(controlPlane.grpc));
    watch = watchOutboundRoutes(ads);
    await waitFor(() => reviewsRoutes(watch.state.routes).length === 1, 'the default route of reviews');
  });

  after(async () => {
    watch?.stream.cancel();
    ads?.close();
    registry?.close();
    await controlPlane?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('puts a Route file written into the folder into the outbound routes', async () => {
    await writeFile(join(configDir, 'reviews.yaml'), ROUTE);
    await waitFor(() => hasCanaryRule(watch.state.routes), 'the canary rule in the outbound RouteConfiguration');
    const [rule, fallback] = reviewsRoutes(watch.state.routes);
    assert.equal(rule?.match.headers[0].name, 'x-canary');
    assert.equal(rule?.match.headers[0].string_match.exact, 'yes');
    assert.equal(rule?.route.timeout.seconds, '2');
    assert.equal(fallback?.route.cluster, REVIEWS, 'requests that match no rule still go to the whole service');
    const config = (await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as Json;
    assert.equal(config.version, 1);
    assert.deepEqual(
      config.documents.map((entry: Json) => entry.document),
      ['DestinationPolicy "reviews"', 'Route "reviews"'],
    );
  });

  it('rejects a broken file whole, names its file and line, and keeps the routes in force', async () => {
    const version = watch.state.version;
    const responses = watch.state.responses;
    await writeFile(join(configDir, 'broken.yaml'), BROKEN);
    let rejection: Json | null = null;
    await waitFor(async () => {
      rejection = ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as Json).lastRejection;
      return rejection !== null;
    }, 'the rejection at /debug/config');
    assert.deepEqual((rejection as Json | null)?.messages, [
      'broken.yaml:7: Route "ratings": spec.rules[0].destinations: weights sum to 90, must be 100',
    ]);
    assert.match(controlPlane.logs(), /"msg":"config rejected; the last good config stays in force"/);
    assert.match(controlPlane.logs(), /broken\.yaml:7: Route \\"ratings\\"/);
    // A registration after the rejection is pushed after any push the rejection could have caused:
    // once it arrives, it must be the only push since, with the rules in force unchanged.
    await register(registry, {
      instance: { service: 'probe', instance_id: 'probe-1', address: '127.0.0.1', port: 9003 },
      ttl_seconds: 3600,
    });
    await waitFor(() => hasVirtualHost(watch.state.routes, PROBE), 'the probe service in the outbound routes');
    assert.equal(watch.state.responses, responses + 1);
    assert.notEqual(watch.state.version, version);
    assert.ok(hasCanaryRule(watch.state.routes));
    assert.ok(!hasVirtualHost(watch.state.routes, 'ratings.default.svc.cluster.local'));
    const metrics = await (await fetch(`http://${controlPlane.admin}/metrics`)).text();
    assert.match(metrics, /^pilotfish_config_rejected 1$/m);
    assert.match(metrics, /^pilotfish_config_rejections_total 1$/m);
    assert.match(metrics, /^pilotfish_config_version 1$/m);
    assert.match(metrics, /^pilotfish_registry_instances 3$/m);
    const status = spawnSync(process.execPath, [cliPath, 'status', '--control-plane-admin', controlPlane.admin], {
      encoding: 'utf8',
    });
    assert.match(
      status.stdout,
      /^CONFIG version 1, 2 documents in force\n {2}REJECTED at \S+ \(the version above stays in force\):\n {2}broken\.yaml:7: Route "ratings": spec\.rules\[0\]\.destinations: weights sum to 90, must be 100\n/,
    );
  });

  it('drops the rules of a removed file once the folder is valid again', async () => {
    await unlink(join(configDir, 'broken.yaml'));
    await waitFor(
      async () =>
        ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as Json).lastRejection === null,
      'the rejection to clear',
    );
    assert.ok(hasCanaryRule(watch.state.routes));
    await unlink(join(configDir, 'reviews.yaml'));
    await waitFor(
      () => !hasCanaryRule(watch.state.routes),
      'the canary rule to leave the outbound RouteConfiguration',
      5000,
    );
    assert.deepEqual(
      reviewsRoutes(watch.state.routes).map((route) => route.name),
      ['default'],
    );
    assert.match(await (await fetch(`http://${controlPlane.admin}/metrics`)).text(), /^pilotfish_config_rejected 0$/m);
  });
  it('applies a change spanning two files whole, or not at all', async () => {
    const canary = (subset: string) => ROUTE.split('---\n')[1]?.replace('subset: v2', `subset: ${subset}`) ?? '';
    const policy = (subset: string) => ROUTE.split('---\n')[0]?.replace('name: v2', `name: ${subset}`) ?? '';
    // The route names subset v3 that only the other file will declare: rejected until both are there.
    await writeFile(join(configDir, 'route.yaml'), canary('v3'));
    await waitFor(
      async () =>
        ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as Json).lastRejection !== null,
      'the half change rejected',
    );
    assert.ok(!reviewsRoutes(watch.state.routes).some((route) => route.route?.cluster === `${REVIEWS}~v3`));
    await writeFile(join(configDir, 'policy.yaml'), policy('v3'));
    await waitFor(
      () => reviewsRoutes(watch.state.routes).some((route) => route.route?.cluster === `${REVIEWS}~v3`),
      'the whole change applied',
    );
    await Promise.all(['route.yaml', 'policy.yaml'].map((file) => unlink(join(configDir, file))));
    await waitFor(() => reviewsRoutes(watch.state.routes).length === 1, 'both files gone');
  });

  it('turns a burst of 100 saves into fewer pushes, in the order saved, ending with the last save', async () => {
    const timeouts: string[] = [];
    const seen = watch.state.responses;
    const onPush = () => {
      const timeout = reviewsRoutes(watch.state.routes)[0]?.route?.timeout?.seconds as string | undefined;
      if (timeout !== undefined) timeouts.push(timeout);
    };
    watch.stream.on('data', onPush);
    const rule = (timeout: number) => ROUTE.replace('timeout: 2s', `timeout: ${timeout}s`);
    for (let save = 1; save <= 100; save++) {
      await writeFile(join(configDir, 'burst.yaml'), rule(save));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => timeouts.at(-1) === '100', 'the last save in force');
    watch.stream.off('data', onPush);
    // How many pushes a burst costs per second is for bench/; here: saves coalesce, none goes back.
    assert.ok(watch.state.responses - seen < 100, `${watch.state.responses - seen} pushes for 100 saves`);
    const values = timeouts.map(Number);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      `pushed timeouts in save order: ${values.join(', ')}`,
    );
    await unlink(join(configDir, 'burst.yaml'));
    await waitFor(() => reviewsRoutes(watch.state.routes).length === 1, 'burst.yaml gone');
  });

  it('reads a file written in two parts, or renamed into place, only once it is whole', async () => {
    const text = ROUTE;
    const half = Math.floor(text.length / 2);
    await writeFile(join(configDir, 'slow.yaml'), text.slice(0, half));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await writeFile(join(configDir, 'slow.yaml'), text);
    await waitFor(() => hasCanaryRule(watch.state.routes), 'the file read whole');
    await unlink(join(configDir, 'slow.yaml'));
    await waitFor(() => !hasCanaryRule(watch.state.routes), 'slow.yaml gone');
    // Editors save to a temporary name and rename over the file: only the rename counts.
    await writeFile(join(configDir, '.reviews.yaml.swp'), text.slice(0, half));
    await writeFile(join(configDir, 'reviews.yaml.tmp'), text);
    await rename(join(configDir, 'reviews.yaml.tmp'), join(configDir, 'reviews.yaml'));
    await waitFor(() => hasCanaryRule(watch.state.routes), 'the renamed file read');
    assert.equal(
      ((await (await fetch(`http://${controlPlane.admin}/debug/config`)).json()) as Json).lastRejection,
      null,
    );
    await Promise.all(['reviews.yaml', '.reviews.yaml.swp'].map((file) => unlink(join(configDir, file))));
    await waitFor(() => !hasCanaryRule(watch.state.routes), 'reviews.yaml gone');
  });
});

describe('pilotfish validate', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-validate-'));
    await writeFile(join(dir, 'reviews.yaml'), ROUTE);
    await writeFile(join(dir, 'broken.yaml'), BROKEN);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const validate = (...args: string[]) =>
    spawnSync(process.execPath, [cliPath, 'validate', ...args], { encoding: 'utf8' });

  it('exits 1 with the messages the control plane would log', () => {
    const result = validate(join(dir, 'reviews.yaml'), join(dir, 'broken.yaml'));
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /broken\.yaml:7: Route "ratings": spec\.rules\[0\]\.destinations: weights sum to 90, must be 100\n/,
    );
    assert.match(result.stderr, /1 error; the control plane would reject this config and keep the last good one/);
  });

  it('accepts good files, noting the service names it cannot check offline', () => {
    const result = validate(join(dir, 'reviews.yaml'));
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^ok: 1 DestinationPolicy, 1 Route in 1 file \(3 service references not checked offline\)/,
    );
    assert.match(
      result.stderr,
      /^note: .*reviews\.yaml:5: DestinationPolicy "reviews": spec\.host: "reviews" \(reviews\.default\.svc\.cluster\.local\) is not declared by a Service document in these files; not checked offline/m,
    );
    assert.equal(validate('--require-declared', join(dir, 'reviews.yaml')).status, 1);
  });
});
