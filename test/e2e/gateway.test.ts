// The ingress gateway end to end: a real control plane watching a config folder, a real gateway
// process, the frontend app behind its real sidecar and reviews instances registered through the
// Registry API. Outside clients reach mesh services through the gateway by host, over HTTP and
// HTTPS, with the rules of the Routes attached to the Gateway; the gateway counts what it serves; a
// Gateway whose certificate cannot be read is NACKed and the last good one keeps serving; a Gateway
// applied through the Config API is bound when it arrives, and checked with the Routes naming it.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../cli/free-port.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { makeCertificate, opensslMissing } from '../support/certificates.js';
import { httpRequest, servedBy, type HttpResult } from '../support/http.js';
import { countAnswers, REVIEWS_SUBSETS } from '../support/policy-mesh.js';
import { sample, scrape } from '../support/metrics.js';
import {
  runCli,
  startControlPlane,
  startGateway,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type GatewayProcess,
  type SidecarProcess,
} from '../support/processes.js';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import { register, registryClient } from '../support/registry-client.js';

const FRONTEND = 'frontend.default.svc.cluster.local';
const HTTP_LISTENER = 'gateway|default/ingress|80';

// The mesh's own Route sends every sidecar's reviews request to v2; the Gateway's Routes differ.
const MESH = `${REVIEWS_SUBSETS}---
apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: frontend }
spec: {}
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec: { host: reviews, rules: [{ destinations: [{ service: reviews, subset: v2 }] }] }
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews-edge }
spec:
  host: reviews
  gateways: [ingress]
  hosts: [reviews.example.com]
  rules:
    - destinations: [{ service: reviews, subset: v1 }]
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: shop }
spec:
  host: frontend
  gateways: [ingress]
  hosts: [shop.example.com]
  rules:
    - match: [{ path: { prefix: /reviews/ } }]
      destinations: [{ service: reviews, subset: v2 }]
      headers: { response: { add: { x-gateway-rule: reviews-path } } }
    - match: [{ headers: { x-canary: { exact: "true" } } }]
      destinations: [{ service: reviews, subset: v1 }]
    - match: [{ path: { prefix: /split/ } }]
      destinations:
        - { service: reviews, subset: v1, weight: 50 }
        - { service: reviews, subset: v2, weight: 50 }
`;

interface TlsServer {
  port: number;
  certificateFile: string;
  keyFile: string;
}

/** The Gateway: plain HTTP on 80 (the lowest port: bound at --listen), HTTPS with `tls` and another HTTP server on `extraPort` when given. */
function gatewayYaml(tls: TlsServer | undefined, extraPort?: number): string {
  const extra =
    extraPort === undefined
      ? ''
      : `
    - { port: ${extraPort}, protocol: HTTP, hosts: [shop.example.com] }`;
  const https =
    tls === undefined
      ? ''
      : `
    - port: ${tls.port}
      protocol: HTTPS
      hosts: [shop.example.com]
      tls: { certificateFile: ${tls.certificateFile}, keyFile: ${tls.keyFile} }`;
  return `apiVersion: pilotfish.dev/v1
kind: Gateway
metadata: { name: ingress }
spec:
  servers:
    - { port: 80, protocol: HTTP, hosts: [shop.example.com, reviews.example.com] }${https}${extra}
`;
}

/** An HTTPS request to 127.0.0.1:`port` for `host`, trusting only `ca`. */
function httpsGet(port: number, host: string, path: string, ca: Buffer): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTPS request to port ${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('ingress gateway', () => {
  const skipHttps = opensslMissing();
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  let frontend: SidecarProcess;
  let gateway: GatewayProcess;
  // The HTTPS server as the Gateway in force has it.
  let tls: TlsServer | undefined;
  const apps: TestApp[] = [];
  let registry: RegistryClient | undefined;

  const viaGateway = (host: string, path = '/', headers: Record<string, string> = {}) =>
    httpRequest(gateway.listeners.get(HTTP_LISTENER) as string, path, { headers: { host, ...headers } });
  const tally = (count: number, host: string, path: string, headers: Record<string, string> = {}) =>
    countAnswers(count, 8, async () => {
      const result = await viaGateway(host, path, headers);
      return result.status === 200 ? servedBy(result) : String(result.status);
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-gateway-'));
    const configDir = join(dir, 'config');
    await mkdir(configDir);
    if (skipHttps === undefined) {
      tls = { port: await freePort(), ...makeCertificate(dir, 'first', 'shop.example.com') };
    } else {
      console.log(`# HTTPS through the gateway not tested: ${skipHttps}`);
    }
    await writeFile(join(configDir, 'mesh.yaml'), MESH);
    await writeFile(join(configDir, 'gateway.yaml'), gatewayYaml(tls));
    controlPlane = await startControlPlane(['--config-dir', configDir]);
    registry = registryClient(controlPlane.grpc);
    const frontendApp = await startNamedApp('frontend-1');
    apps.push(frontendApp);
    frontend = await startSidecar({
      service: 'frontend',
      instanceId: 'frontend-1',
      appPort: frontendApp.port,
      controlPlane: controlPlane.grpc,
    });
    for (const version of ['v1', 'v2']) {
      const app = await startNamedApp(`reviews-${version}`);
      apps.push(app);
      await register(registry, {
        instance: {
          service: 'reviews',
          instance_id: `reviews-${version}`,
          address: '127.0.0.1',
          port: app.port,
          labels: { version },
        },
        ttl_seconds: 3600,
      });
    }
    gateway = await startGateway('default/ingress', controlPlane.grpc);
    await waitFor(
      async () =>
        (await viaGateway('reviews.example.com')).status === 200 &&
        (await viaGateway('shop.example.com')).status === 200,
      'the gateway to route to frontend and reviews',
    );
  });

  after(async () => {
    registry?.close();
    await gateway?.stop();
    await frontend?.stop();
    await controlPlane?.stop();
    await Promise.all(apps.map((app) => app.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("brings an outside client to the mesh service its Host names, through that service's sidecar", async () => {
    const result = await viaGateway('shop.example.com', '/catalog?page=2');
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as { name: string; url: string; headers: Record<string, string> };
    assert.equal(seen.name, 'frontend-1');
    assert.equal(seen.url, '/catalog?page=2');
    assert.equal(seen.headers.host, 'shop.example.com');
    assert.equal(seen.headers['x-pilotfish-source'], 'ingress', 'the gateway names itself to the destination');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(servedBy(await viaGateway('shop.example.com:8080')), 'frontend-1', 'the port in Host is ignored');
  });

  it('applies the rules of the Routes attached to the Gateway: path, header and weights', async () => {
    const byPath = await viaGateway('shop.example.com', '/reviews/1');
    assert.equal(servedBy(byPath), 'reviews-v2');
    assert.equal(byPath.headers['x-gateway-rule'], 'reviews-path');
    assert.deepEqual([...(await tally(20, 'shop.example.com', '/', { 'x-canary': 'true' }))], [['reviews-v1', 20]]);
    assert.deepEqual([...(await tally(20, 'shop.example.com', '/'))], [['frontend-1', 20]]);
    const split = await tally(400, 'shop.example.com', '/split/');
    assert.equal(
      (split.get('reviews-v1') ?? 0) + (split.get('reviews-v2') ?? 0),
      400,
      `every request answered: ${JSON.stringify([...split])}`,
    );
    for (const version of ['reviews-v1', 'reviews-v2'])
      assert.ok((split.get(version) ?? 0) >= 140, `${version} got ${split.get(version) ?? 0} of 400 (50% expected)`);
  });

  it('keeps Routes to where they are attached: the mesh Route off the gateway, the gateway Routes off the sidecars', async () => {
    assert.deepEqual(
      [...(await tally(20, 'reviews.example.com', '/'))],
      [['reviews-v1', 20]],
      'the gateway route, not the mesh route (v2)',
    );
    const meshAnswers = await countAnswers(20, 4, async () =>
      servedBy(await httpRequest(frontend.outbound, '/', { headers: { host: 'reviews' } })),
    );
    assert.deepEqual([...meshAnswers], [['reviews-v2', 20]], 'sidecars keep the mesh route');
    assert.equal(
      servedBy(await httpRequest(frontend.outbound, '/reviews/1', { headers: { host: 'frontend' } })),
      'frontend-1',
      'the gateway path rule does not apply in the mesh',
    );
    const notAttached = await viaGateway('reviews.default.svc.cluster.local');
    assert.equal(notAttached.status, 404, 'no route is attached to the gateway for the service name');
  });

  it('answers 404 naming a host no Route serves on the gateway', async () => {
    const result = await viaGateway('unknown.example.com', '/');
    assert.equal(result.status, 404);
    assert.match(result.body, /no route for host "unknown\.example\.com" \(gateway\|default\/ingress\|80 listener\)/);
  });

  it('terminates HTTPS with the certificate files the Gateway names', { skip: skipHttps }, async () => {
    const settings = tls as TlsServer;
    const ca = await readFile(settings.certificateFile);
    assert.equal(
      gateway.listeners.get(`gateway|default/ingress|${settings.port}`),
      `127.0.0.1:${settings.port}`,
      'a further server binds its own port on the --listen host',
    );
    const result = await httpsGet(settings.port, 'shop.example.com', '/secure', ca);
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as { name: string; headers: Record<string, string> };
    assert.equal(seen.name, 'frontend-1');
    assert.equal(seen.headers['x-forwarded-proto'], 'https', 'the app learns the client used HTTPS');
    assert.equal(
      servedBy(await httpsGet(settings.port, 'shop.example.com', '/reviews/1', ca)),
      'reviews-v2',
      'the same Route rules over HTTPS',
    );
    const { stdout } = await runCli(['proxy-config', gateway.admin, 'listeners']);
    assert.match(
      stdout,
      new RegExp(
        `^gateway\\|default/ingress\\|${settings.port}\\s+0\\.0\\.0\\.0:${settings.port}\\s+gateway\\|default/ingress\\|${settings.port}\\s+router\\s+${settings.certificateFile}$`,
        'm',
      ),
    );
    assert.equal(
      (
        await httpsGet(settings.port, 'reviews.example.com', '/', ca).catch((error: Error) => ({
          status: -1,
          body: error.message,
        }))
      ).status,
      -1,
      'the certificate is for shop.example.com only',
    );
    const expiry = sample(await scrape(gateway.admin), 'pilotfish_cert_expiry_timestamp_seconds', {
      service: 'ingress',
      listener: `gateway|default/ingress|${settings.port}`,
    });
    assert.equal(expiry, Date.parse(new X509Certificate(ca).validTo) / 1000, 'the expiry the certificate alert reads');
  });

  it('counts the requests it serves in Istio metrics, reporter source, the gateway as source workload', async () => {
    const labels = {
      reporter: 'source',
      source_workload: 'ingress',
      destination_service: FRONTEND,
      response_code: '200',
      response_flags: '-',
    };
    const before = await scrape(gateway.admin);
    for (let i = 0; i < 5; i++) assert.equal((await viaGateway('shop.example.com', '/metered')).status, 200);
    const after = await scrape(gateway.admin);
    assert.equal(sample(after, 'istio_requests_total', labels) - sample(before, 'istio_requests_total', labels), 5);
    assert.ok(
      sample(after, 'istio_requests_total', {
        reporter: 'source',
        source_workload: 'ingress',
        response_code: '404',
        response_flags: 'NR',
      }) >= 1,
      'unknown hosts counted as NR',
    );
    assert.match(after, /^pilotfish_sidecar_xds_connected 1$/m);
  });

  it('binds a server added to the Gateway on its own port, and closes it when it is removed', async () => {
    const port = await freePort();
    const listener = `gateway|default/ingress|${port}`;
    const bound = async () =>
      (
        (await (await fetch(`http://${gateway.admin}/listeners`)).json()) as {
          listeners: Array<{ name: string; address: string }>;
        }
      ).listeners.find((entry) => entry.name === listener)?.address;
    await writeFile(join(dir, 'config', 'gateway.yaml'), gatewayYaml(tls, port));
    await waitFor(async () => (await bound()) !== undefined, `the gateway to bind ${listener}`);
    assert.equal(await bound(), `127.0.0.1:${port}`);
    assert.equal(
      servedBy(await httpRequest(`127.0.0.1:${port}`, '/', { headers: { host: 'shop.example.com' } })),
      'frontend-1',
    );
    assert.equal(
      (await httpRequest(`127.0.0.1:${port}`, '/', { headers: { host: 'reviews.example.com' } })).status,
      404,
      'this server serves shop.example.com only',
    );
    await writeFile(join(dir, 'config', 'gateway.yaml'), gatewayYaml(tls));
    await waitFor(async () => (await bound()) === undefined, `the gateway to close ${listener}`);
    await assert.rejects(
      httpRequest(`127.0.0.1:${port}`, '/', { headers: { host: 'shop.example.com' } }),
      /ECONNREFUSED/,
    );
    assert.equal(servedBy(await viaGateway('shop.example.com')), 'frontend-1', 'the other servers stay');
  });

  it(
    'presents a new certificate to new connections once the Gateway names its files',
    { skip: skipHttps },
    async () => {
      const first = tls as TlsServer;
      const rotated = { ...first, ...makeCertificate(dir, 'second', 'shop.example.com') };
      const [firstCa, rotatedCa] = await Promise.all([
        readFile(first.certificateFile),
        readFile(rotated.certificateFile),
      ]);
      await writeFile(join(dir, 'config', 'gateway.yaml'), gatewayYaml(rotated));
      await waitFor(
        async () => (await httpsGet(rotated.port, 'shop.example.com', '/', rotatedCa)).status === 200,
        'the gateway to present the new certificate',
      );
      tls = rotated;
      await assert.rejects(
        httpsGet(rotated.port, 'shop.example.com', '/', firstCa),
        /self-signed certificate/,
        'the old certificate is gone',
      );
      assert.equal(
        gateway.listeners.get(`gateway|default/ingress|${rotated.port}`),
        `127.0.0.1:${rotated.port}`,
        'on the same port',
      );
    },
  );

  it(
    'presents a certificate renewed in the same files to new connections, with no Gateway change',
    { skip: skipHttps },
    async () => {
      const settings = tls as TlsServer;
      const [oldCa, renewed] = [
        await readFile(settings.certificateFile),
        makeCertificate(dir, 'renewed', 'shop.example.com'),
      ];
      const renewedCa = await readFile(renewed.certificateFile);
      // As cert-manager renews: the new key and certificate, each renamed over the old file.
      for (const [from, to] of [
        [renewed.keyFile, settings.keyFile],
        [renewed.certificateFile, settings.certificateFile],
      ] as const) {
        await copyFile(from, `${to}.tmp`);
        await rename(`${to}.tmp`, to);
      }
      await waitFor(
        async () =>
          (await httpsGet(settings.port, 'shop.example.com', '/', renewedCa).catch(() => undefined))?.status === 200,
        'the gateway to present the renewed certificate',
      );
      await assert.rejects(
        httpsGet(settings.port, 'shop.example.com', '/', oldCa),
        /self-signed certificate/,
        'the old certificate is gone',
      );
      const expiry = sample(await scrape(gateway.admin), 'pilotfish_cert_expiry_timestamp_seconds', {
        service: 'ingress',
        listener: `gateway|default/ingress|${settings.port}`,
      });
      assert.equal(
        expiry,
        Date.parse(new X509Certificate(renewedCa).validTo) / 1000,
        'the expiry of the certificate in force',
      );
      assert.match(gateway.logs(), /"msg":"gateway server certificate renewed from its files"/);
    },
  );

  it(
    'NACKs a Gateway whose key file cannot be read, naming it, and keeps serving the last good one',
    { skip: skipHttps },
    async () => {
      const settings = tls as TlsServer;
      const ca = await readFile(settings.certificateFile);
      const missing = join(dir, 'missing.key');
      await writeFile(join(dir, 'config', 'gateway.yaml'), gatewayYaml({ ...settings, keyFile: missing }));
      interface ProxyView {
        nodeId: string;
        role: string;
        types: Record<string, { lastNack?: { message: string } }>;
      }
      const nack = async () => {
        const { proxies } = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
          proxies: ProxyView[];
        };
        return proxies.find((proxy) => proxy.nodeId === 'gateway~ingress.default')?.types.LDS?.lastNack?.message;
      };
      await waitFor(async () => (await nack()) !== undefined, 'the gateway to NACK the Gateway');
      const message = (await nack()) as string;
      assert.match(
        message,
        new RegExp(
          `^Listener "gateway\\|default/ingress\\|${settings.port}": .*private_key\\.filename: cannot read "${missing.replaceAll('.', '\\.')}": ENOENT$`,
        ),
      );
      const dump = (await (await fetch(`http://${gateway.admin}/config_dump`)).json()) as {
        configs: Array<{ type_url: string; last_nack?: { message: string } }>;
      };
      assert.equal(
        dump.configs.find((config) => config.type_url.endsWith('Listener'))?.last_nack?.message,
        message,
        'the gateway shows the NACK too',
      );
      assert.equal(
        servedBy(await httpsGet(settings.port, 'shop.example.com', '/', ca)),
        'frontend-1',
        'the last good certificate still serves',
      );
      assert.equal(servedBy(await viaGateway('shop.example.com')), 'frontend-1');
    },
  );
});

describe('ingress gateway configured through the Config API', () => {
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  let gateway: GatewayProcess;
  let app: TestApp;
  let registry: RegistryClient | undefined;
  const edge = `apiVersion: pilotfish.dev/v1
kind: Gateway
metadata: { name: edge }
spec:
  servers: [{ port: 80, protocol: HTTP, hosts: [web.example.com] }]
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: web }
spec:
  host: web
  gateways: [edge]
  hosts: [web.example.com]
  rules: [{ destinations: [{ service: web }] }]
`;
  const boundListeners = async () =>
    (
      (await (await fetch(`http://${gateway.admin}/listeners`)).json()) as {
        listeners: Array<{ name: string; address: string }>;
      }
    ).listeners;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-gateway-api-'));
    controlPlane = await startControlPlane();
    registry = registryClient(controlPlane.grpc);
    app = await startNamedApp('web-1');
    await register(registry, {
      instance: { service: 'web', instance_id: 'web-1', address: '127.0.0.1', port: app.port },
      ttl_seconds: 3600,
    });
    gateway = await startGateway('edge', controlPlane.grpc, { untilReady: false });
  });

  after(async () => {
    registry?.close();
    await gateway?.stop();
    await controlPlane?.stop();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is not ready and has no servers until its Gateway exists, then binds them when one is applied', async () => {
    assert.deepEqual(await boundListeners(), []);
    assert.equal((await fetch(`http://${gateway.admin}/ready`)).status, 503);
    await writeFile(join(dir, 'edge.yaml'), edge);
    const applied = await runCli(['apply', '-f', join(dir, 'edge.yaml'), '--control-plane', controlPlane.grpc]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor(async () => (await boundListeners()).length === 1, 'the gateway to bind its server');
    assert.equal((await fetch(`http://${gateway.admin}/ready`)).status, 200);
    const [listener] = await boundListeners();
    assert.equal(listener?.name, 'gateway|default/edge|80');
    const result = await httpRequest(listener?.address, '/', { headers: { host: 'web.example.com' } });
    assert.equal(servedBy(result), 'web-1');
  });

  it('refuses a Route naming a Gateway that does not exist, and a delete of a Gateway a Route uses', async () => {
    const stray =
      'apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata: { name: stray }\nspec:\n  host: web\n  gateways: [mesh, nowhere]\n  rules: [{ destinations: [{ service: web }] }]\n';
    await writeFile(join(dir, 'stray.yaml'), stray);
    const applied = await runCli(['apply', '-f', join(dir, 'stray.yaml'), '--control-plane', controlPlane.grpc]);
    assert.equal(applied.code, 1);
    assert.match(
      applied.stderr,
      /stray\.yaml:6: Route "stray": spec\.gateways\[1\]: unknown Gateway "default\/nowhere": no Gateway document declares it \(known: default\/edge\)/,
    );
    const deleted = await runCli(['delete', 'gateway', 'edge', '--control-plane', controlPlane.grpc]);
    assert.equal(deleted.code, 1);
    assert.match(
      deleted.stderr,
      /cannot delete Gateway default\/edge; .*Route "web": spec\.gateways\[0\]: unknown Gateway "default\/edge"/,
    );
    assert.equal(
      (await runCli(['get', 'gateways', '--control-plane', controlPlane.grpc])).stdout
        .split('\n')[1]
        ?.split(/\s+/)
        .slice(0, 2)
        .join(' '),
      'default edge',
    );
  });
});
