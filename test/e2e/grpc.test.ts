// gRPC end to end through two real sidecars: a grpc-js client dials its sidecar's outbound
// listener (grpc.default_authority names the service), which speaks HTTP/2 to the service's
// sidecar, which speaks HTTP/2 to the grpc-js server (--app-protocol grpc, or the default http: h2 in, h2c out).
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { answerWithName, startBilingualApp, startNamedApp } from '../support/apps.js';
import {
  chatCall,
  collect,
  countCall,
  countStream,
  echoCall,
  failure,
  kindsClient,
  startKindsServer,
  sumCall,
  type KindsServer,
} from '../support/grpc-test-service.js';
import { NOT_SERVING, SERVING } from '../support/grpc-health.js';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';
import { register } from '../support/registry-client.js';

const MiB = 1024 * 1024;

/** Requests in flight the sidecar counts on the endpoints of `cluster` (its /clusters rq_active). */
async function activeRequests(admin: string, cluster: string): Promise<number> {
  const { clusters } = (await (await fetch(`http://${admin}/clusters?format=json`)).json()) as {
    clusters: Array<{ name: string; endpoints: Array<{ rq_active: number }> }>;
  };
  return (clusters.find((entry) => entry.name === cluster)?.endpoints ?? []).reduce(
    (sum, endpoint) => sum + endpoint.rq_active,
    0,
  );
}

describe('gRPC through two sidecars', () => {
  let mesh: PolicyMesh;
  let server: KindsServer;
  let serverSidecar: SidecarProcess;
  let client: grpc.Client;

  before(async () => {
    mesh = await startPolicyMesh();
    server = await startKindsServer('kinds-1');
    serverSidecar = await startSidecar({
      service: 'kinds',
      instanceId: 'kinds-1',
      appPort: server.port,
      appProtocol: 'grpc',
      controlPlane: mesh.controlPlane.grpc,
    });
    await mesh.waitForEndpoints('kinds.default.svc.cluster.local', 1);
    client = kindsClient(mesh.client.outbound, 'kinds');
  });

  /** A sidecar for instance `<service>-1` of an app on `appPort`, with the default --app-protocol (http). */
  function defaultProtocolSidecar(service: string, appPort: number): Promise<SidecarProcess> {
    return startSidecar({ service, instanceId: `${service}-1`, appPort, controlPlane: mesh.controlPlane.grpc });
  }

  after(async () => {
    client?.close();
    await serverSidecar?.stop();
    await server?.stop();
    await mesh?.stop();
  });

  it('carries unary, client streaming, server streaming and bidirectional calls with their trailers', async () => {
    assert.deepEqual(await echoCall(client, { text: 'hello' }), {
      from: 'kinds-1',
      text: 'hello',
      size: 0,
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
    const metrics = await (await fetch(`http://${mesh.client.admin}/stats/prometheus`)).text();
    assert.match(
      metrics,
      /istio_requests_total\{[^}]*destination_service="kinds\.default\.svc\.cluster\.local"[^}]*grpc_response_status="0"/,
    );
    assert.match(
      metrics,
      /istio_requests_total\{[^}]*destination_service="kinds\.default\.svc\.cluster\.local"[^}]*grpc_response_status="3"/,
    );
  });

  it('passes a 3 MiB message and fails a 5 MiB one with RESOURCE_EXHAUSTED', async () => {
    const requestBytes = async () =>
      sample(await scrape(serverSidecar.admin), 'istio_request_bytes_sum', {
        reporter: 'destination',
        destination_service: 'kinds.default.svc.cluster.local',
      });
    const before = await requestBytes();
    const reply = await echoCall(client, { payload: 'x'.repeat(3 * MiB) });
    assert.equal(reply.size, 3 * MiB);
    // gRPC bodies declare no length: the sidecar counts what it read (the message and its framing).
    const counted = (await requestBytes()) - before;
    assert.ok(
      counted >= 3 * MiB && counted < 3 * MiB + 64,
      `istio_request_bytes counts the 3 MiB request (${counted} bytes)`,
    );
    const tooLarge = await failure(echoCall(client, { payload: 'x'.repeat(5 * MiB) }));
    assert.equal(tooLarge.code, grpc.status.RESOURCE_EXHAUSTED, tooLarge.details);
    assert.equal((await echoCall(client, { text: 'still fine' })).text, 'still fine');
  });

  it('cancels the server handler when the deadline passes in the middle of a call', async () => {
    const before = server.cancelled.length;
    const stream = countStream(client, { count: 1000, intervalMs: 50 }, { deadline: Date.now() + 600 });
    const error = await failure(collect(stream));
    assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED);
    await waitFor(
      () => server.cancelled.slice(before).includes('Count'),
      'the server handler to see the call cancelled',
    );
  });

  it('cancels the server handler when the caller cancels', async () => {
    const before = server.cancelled.length;
    const stream = countStream(client, { count: 1000, intervalMs: 20 }, {});
    await new Promise((resolve) => stream.once('data', resolve));
    stream.on('error', () => undefined);
    stream.cancel();
    await waitFor(
      () => server.cancelled.slice(before).includes('Count'),
      'the server handler to see the call cancelled',
    );
    // Cancelled calls are no longer counted in flight (least-request balancing reads this).
    await waitFor(
      async () => (await activeRequests(mesh.client.admin, 'kinds.default.svc.cluster.local')) === 0,
      'no call in flight on the client sidecar',
    );
    await waitFor(
      async () => (await activeRequests(serverSidecar.admin, 'inbound|' + server.port)) === 0,
      'no call in flight on the server sidecar',
    );
  });

  it("answers the sidecar's own errors as gRPC statuses, never an HTML or text body", async () => {
    const unknown = kindsClient(mesh.client.outbound, 'nosuch');
    try {
      const noRoute = await failure(echoCall(unknown, { text: 'x' }));
      assert.equal(noRoute.code, grpc.status.UNIMPLEMENTED);
      assert.match(noRoute.details, /no route for host "nosuch"/);
    } finally {
      unknown.close();
    }
    await mesh.applyConfig(
      'empty.yaml',
      'apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: empty }\nspec: { ports: [{ port: 50051, protocol: grpc }] }\n',
      'empty.default.svc.cluster.local',
    );
    const empty = kindsClient(mesh.client.outbound, 'empty');
    try {
      // The cluster may arrive before the route to it (CDS before RDS).
      let noEndpoint = await failure(echoCall(empty, { text: 'x' }));
      await waitFor(
        async () => (noEndpoint = await failure(echoCall(empty, { text: 'x' }))).code !== grpc.status.UNIMPLEMENTED,
        'the route to the empty service',
      );
      assert.equal(noEndpoint.code, grpc.status.UNAVAILABLE);
      assert.match(noEndpoint.details, /no healthy endpoint for cluster "empty\.default\.svc\.cluster\.local"/);
    } finally {
      empty.close();
    }
  });

  it('hides one failing instance with a retry on UNAVAILABLE', async () => {
    const healthy = await startKindsServer('flaky-ok');
    const failing = await startKindsServer('flaky-down');
    failing.failWith = grpc.status.UNAVAILABLE;
    try {
      // Registered without a sidecar, as gRPC: the client's sidecar speaks HTTP/2 straight to the servers.
      for (const instance of [healthy, failing]) {
        await register(mesh.registry, {
          instance: {
            service: 'flaky',
            instance_id: instance.name,
            address: '127.0.0.1',
            port: instance.port,
            protocol: 'grpc',
          },
          ttl_seconds: 3600,
        });
      }
      await mesh.waitForEndpoints('flaky.default.svc.cluster.local', 2);
      const flaky = kindsClient(mesh.client.outbound, 'flaky');
      try {
        const outcomes = async () => {
          const codes = new Set<string>();
          for (let i = 0; i < 10; i++)
            codes.add(
              await echoCall(flaky, { text: 'x' }).then(
                (reply) => reply.from,
                (error: grpc.ServiceError) => `status ${error.code}`,
              ),
            );
          return codes;
        };
        assert.ok(
          (await outcomes()).has(`status ${grpc.status.UNAVAILABLE}`),
          'without a retry, the failing instance shows',
        );
        await mesh.applyConfig(
          'flaky.yaml',
          'apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata: { name: flaky }\nspec:\n  host: flaky\n  rules:\n    - destinations: [{ service: flaky }]\n      retries: { attempts: 2, retryOn: [unavailable] }\n',
          'unavailable',
        );
        assert.deepEqual([...(await outcomes())], ['flaky-ok']);
      } finally {
        flaky.close();
      }
    } finally {
      await Promise.all([healthy.stop(), failing.stop()]);
    }
  });

  it('keeps an instance whose gRPC health check says NOT_SERVING out of rotation, and takes it back once SERVING', async () => {
    const servers = [await startKindsServer('checked-1'), await startKindsServer('checked-2')];
    const sidecars = await Promise.all(
      servers.map((instance) =>
        startSidecar({
          service: 'checked',
          instanceId: instance.name,
          appPort: instance.port,
          appProtocol: 'grpc',
          controlPlane: mesh.controlPlane.grpc,
        }),
      ),
    );
    const checked = kindsClient(mesh.client.outbound, 'checked');
    try {
      await mesh.waitForEndpoints('checked.default.svc.cluster.local', 2);
      await mesh.applyConfig(
        'checked.yaml',
        'apiVersion: pilotfish.dev/v1\nkind: DestinationPolicy\nmetadata: { name: checked }\nspec:\n  host: checked\n  healthCheck: { grpc: {}, interval: 100ms, timeout: 1s, unhealthyThreshold: 1 }\n',
        'grpc_health_check',
      );
      const answerers = async () => {
        const names = new Set<string>();
        for (let i = 0; i < 10; i++) names.add((await echoCall(checked, { text: 'x' })).from);
        return [...names].sort();
      };
      await waitFor(async () => (await answerers()).length === 2, 'both instances healthy and serving');
      (servers[1] as KindsServer).servingStatus = NOT_SERVING;
      await waitFor(async () => (await answerers()).join() === 'checked-1', 'checked-2 out of rotation');
      (servers[1] as KindsServer).servingStatus = SERVING;
      await waitFor(async () => (await answerers()).length === 2, 'checked-2 back in rotation');
    } finally {
      checked.close();
      await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
      await Promise.all(servers.map((instance) => instance.stop()));
    }
  });

  it('reaches a grpc-js server registered with the default app protocol (h2 in, h2c to the app)', async () => {
    const plain = await startKindsServer('plain-1');
    const plainSidecar = await defaultProtocolSidecar('plain', plain.port);
    const plainClient = kindsClient(mesh.client.outbound, 'plain');
    try {
      await mesh.waitForEndpoints('plain.default.svc.cluster.local', 1);
      assert.deepEqual(await echoCall(plainClient, { text: 'undeclared' }), {
        from: 'plain-1',
        text: 'undeclared',
        size: 0,
        trailer: 'plain-1',
      });
      assert.deepEqual(
        (await chatCall(plainClient, ['a', 'b'])).map((reply) => reply.text),
        ['a', 'b'],
      );
    } finally {
      plainClient.close();
      await plainSidecar.stop();
      await plain.stop();
    }
  });

  it('serves HTTP/1.1 and HTTP/2 clients on the same listener, each reaching a default-protocol app in its own protocol', async () => {
    const web = await startBilingualApp(answerWithName('web-1'));
    const h1Only = await startNamedApp('old-1');
    const webSidecar = await defaultProtocolSidecar('web', web.port);
    const oldSidecar = await defaultProtocolSidecar('old', h1Only.port);
    try {
      await mesh.waitForEndpoints('web.default.svc.cluster.local', 1);
      await mesh.waitForEndpoints('old.default.svc.cluster.local', 1);
      const http1 = await mesh.request('web', '/over-http1');
      assert.equal(http1.status, 200);
      assert.deepEqual([JSON.parse(http1.body).url, JSON.parse(http1.body).version], ['/over-http1', '1.1']);
      const toOld = await mesh.request('old', '/h1-app');
      assert.equal(toOld.status, 200);
      assert.equal(JSON.parse(toOld.body).name, 'old-1');
      const session = connect(`http://${mesh.client.outbound}`);
      try {
        const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
          const stream = session.request({ ':path': '/over-h2', ':authority': 'web' });
          let body = '';
          let status = 0;
          stream.setEncoding('utf8');
          stream.on('response', (headers) => (status = Number(headers[':status'])));
          stream.on('data', (chunk: string) => (body += chunk));
          stream.on('end', () => resolve([status, body]));
          stream.on('error', reject);
        });
        assert.equal(status, 200);
        const answer = JSON.parse(body) as { url: string; name: string; version: string };
        assert.deepEqual([answer.url, answer.name, answer.version], ['/over-h2', 'web-1', '2.0']);
      } finally {
        session.close();
      }
    } finally {
      await Promise.all([webSidecar.stop(), oldSidecar.stop()]);
      await Promise.all([web.close(), h1Only.close()]);
    }
  });
});
