// gRPC through the ingress gateway end to end: a real control plane watching a config folder, a
// grpc-js server behind its own sidecar (--app-protocol grpc) and a real gateway whose Gateway has
// an HTTP server (h2c by the connection preface) and an HTTPS one (h2 by ALPN). A grpc-js client
// outside the mesh dials the gateway with the Route's host as the call's authority.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../cli/free-port.js';
import { makeCertificate, opensslMissing } from '../support/certificates.js';
import {
  chatCall,
  collect,
  countCall,
  countStream,
  echoCall,
  failure,
  KindsClient,
  kindsClient,
  startKindsServer,
  sumCall,
  type KindsServer,
} from '../support/grpc-test-service.js';
import { labelValue, sample, scrape } from '../support/metrics.js';
import {
  startControlPlane,
  startGateway,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type GatewayProcess,
  type SidecarProcess,
} from '../support/processes.js';

const HOST = 'grpc.example.com';
const KINDS = 'kinds.default.svc.cluster.local';
const HTTP_LISTENER = 'gateway|default/ingress|80';

/** The HTTPS server: its port and certificate files. */
type TlsServer = ReturnType<typeof makeCertificate> & { port: number };

/** The Gateway (HTTP on 80, HTTPS with `tls` when there is a certificate) and the Route attached to it. */
function config(tls: TlsServer | undefined): string {
  const https =
    tls === undefined
      ? ''
      : `
    - port: ${tls.port}
      protocol: HTTPS
      hosts: [${HOST}]
      tls: { certificateFile: ${tls.certificateFile}, keyFile: ${tls.keyFile} }`;
  return `apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: kinds }
spec: { ports: [{ port: 50051, protocol: grpc }] }
---
apiVersion: pilotfish.dev/v1
kind: Gateway
metadata: { name: ingress }
spec:
  servers:
    - { port: 80, protocol: HTTP, hosts: [${HOST}] }${https}
---
apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: kinds-edge }
spec:
  host: kinds
  gateways: [ingress]
  hosts: [${HOST}]
  rules: [{ destinations: [{ service: kinds }] }]
`;
}

describe('gRPC through the ingress gateway', () => {
  const skipTls = opensslMissing();
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  let server: KindsServer;
  let serverSidecar: SidecarProcess;
  let gateway: GatewayProcess;
  let tlsPort = 0;
  let ca: Buffer | undefined;
  const clients: grpc.Client[] = [];

  const remember = (client: grpc.Client) => {
    clients.push(client);
    return client;
  };
  // The gateway's HTTP server (h2c by the preface), and its HTTPS server (h2 by ALPN) trusting only
  // its self-signed certificate: each dials a client calling `authority`.
  const transports = [
    {
      name: 'cleartext h2c',
      skip: undefined,
      dial: (authority: string) => remember(kindsClient(gateway.listeners.get(HTTP_LISTENER) as string, authority)),
    },
    {
      name: 'TLS with ALPN h2',
      skip: skipTls,
      dial: (authority: string) =>
        remember(
          new KindsClient(`127.0.0.1:${tlsPort}`, grpc.credentials.createSsl(ca), {
            'grpc.ssl_target_name_override': HOST,
            'grpc.default_authority': authority,
          }),
        ),
    },
  ];
  const [cleartext] = transports as [(typeof transports)[number]];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-gateway-grpc-'));
    const configDir = join(dir, 'config');
    await mkdir(configDir);
    let tls: TlsServer | undefined;
    if (skipTls === undefined) {
      tlsPort = await freePort();
      tls = { port: tlsPort, ...makeCertificate(dir, 'grpc', HOST) };
      ca = await readFile(tls.certificateFile);
    } else {
      console.log(`# gRPC over TLS through the gateway not tested: ${skipTls}`);
    }
    await writeFile(join(configDir, 'mesh.yaml'), config(tls));
    controlPlane = await startControlPlane(['--config-dir', configDir]);
    server = await startKindsServer('kinds-1');
    serverSidecar = await startSidecar({
      service: 'kinds',
      instanceId: 'kinds-1',
      appPort: server.port,
      appProtocol: 'grpc',
      controlPlane: controlPlane.grpc,
    });
    gateway = await startGateway('default/ingress', controlPlane.grpc);
    const probe = cleartext.dial(HOST);
    await waitFor(
      async () => (await echoCall(probe, { text: 'ready?' }, { deadline: Date.now() + 1000 })).from === 'kinds-1',
      'the gateway to route gRPC calls to kinds',
    );
  });

  after(async () => {
    for (const client of clients) client.close();
    await gateway?.stop();
    await serverSidecar?.stop();
    await server?.stop();
    await controlPlane?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const { name, skip, dial } of transports) {
    it(
      `carries unary, client streaming, server streaming and bidirectional calls over ${name}, metadata and trailers intact`,
      { skip },
      async () => {
        const client = dial(HOST);
        const metadata = new grpc.Metadata();
        metadata.set('x-note', 'from outside the mesh');
        assert.deepEqual(await echoCall(client, { text: 'hello' }, { deadline: Date.now() + 10_000 }, metadata), {
          from: 'kinds-1',
          text: 'hello',
          size: 0,
          note: 'from outside the mesh',
          trailer: 'kinds-1',
        });
        assert.deepEqual(await sumCall(client, [1, 2, 3, 4]), { from: 'kinds-1', total: 10 });
        assert.deepEqual(
          (await countCall(client, 5)).map((reply) => reply.index),
          [0, 1, 2, 3, 4],
        );
        assert.deepEqual(
          (await chatCall(client, ['a', 'b', 'c'])).map((reply) => reply.text),
          ['a', 'b', 'c'],
        );
        const invalid = await failure(echoCall(client, { text: 'invalid' }));
        assert.equal(invalid.code, grpc.status.INVALID_ARGUMENT);
        assert.equal(invalid.details, 'text must not be "invalid" (ünïcode kept)');
      },
    );

    it(
      `answers a call over ${name} for a host no Route serves with UNIMPLEMENTED naming the host, not an HTML or text body`,
      { skip },
      async () => {
        const noRoute = await failure(echoCall(dial('unknown.example.com'), { text: 'x' }));
        assert.equal(noRoute.code, grpc.status.UNIMPLEMENTED, noRoute.details);
        assert.match(
          noRoute.details,
          /no route for host "unknown\.example\.com" \(gateway\|default\/ingress\|\d+ listener\)/,
        );
      },
    );

    it(
      `cancels the server handler when the deadline passes in the middle of a call over ${name}`,
      { skip },
      async () => {
        const before = server.cancelled.length;
        const stream = countStream(dial(HOST), { count: 1000, intervalMs: 50 }, { deadline: Date.now() + 600 });
        const error = await failure(collect(stream));
        assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED, error.details);
        await waitFor(
          () => server.cancelled.slice(before).includes('Count'),
          'the server handler to see the call cancelled',
        );
      },
    );
  }

  it('counts gRPC calls in its Istio metrics with grpc_response_status and request_protocol grpc, as the sidecars do', async () => {
    const client = cleartext.dial(HOST);
    const served = {
      reporter: 'source',
      source_workload: 'ingress',
      destination_service: KINDS,
      response_code: '200',
      grpc_response_status: '0',
      response_flags: '-',
    };
    const before = await scrape(gateway.admin);
    for (let i = 0; i < 5; i++) await echoCall(client, { text: `metered ${i}` });
    await failure(echoCall(cleartext.dial('unknown.example.com'), { text: 'x' }));
    const after = await scrape(gateway.admin);
    assert.equal(sample(after, 'istio_requests_total', served) - sample(before, 'istio_requests_total', served), 5);
    const noRoute = {
      reporter: 'source',
      source_workload: 'ingress',
      response_code: '200',
      grpc_response_status: String(grpc.status.UNIMPLEMENTED),
      response_flags: 'NR',
    };
    assert.equal(sample(after, 'istio_requests_total', noRoute) - sample(before, 'istio_requests_total', noRoute), 1);
    // The destination's sidecar counts the same calls, the gateway as their source; both say grpc, as Istio does.
    const inbound = {
      reporter: 'destination',
      source_workload: 'ingress',
      destination_service: KINDS,
      grpc_response_status: '0',
    };
    assert.equal(
      labelValue(await scrape(serverSidecar.admin), 'istio_requests_total', inbound, 'request_protocol'),
      'grpc',
    );
    assert.equal(labelValue(after, 'istio_requests_total', served, 'request_protocol'), 'grpc');
  });
});
