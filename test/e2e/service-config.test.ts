// Dynamic app parameters end to end: a ServiceConfig file in the control plane's config folder
// reaches the app through its own sidecar's /v1/config (JSON with an ETag, or Server-Sent Events),
// resolved for each instance's labels, with real processes on loopback.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DiscoveryRequest__Output } from '../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import {
  TYPE_URL,
  aggregatedDiscoveryService,
  encodeResource,
  objectToStruct,
  type DiscoveryResponseOut,
} from '../../proto/xds.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { httpRequest } from '../support/http.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startCli, startSidecar, waitFor, type RunningProcess, type SidecarProcess } from '../support/processes.js';

const SERVICE = 'client.default.svc.cluster.local';

interface AppConfigBody {
  service: string;
  version: string;
  parameters: Record<string, unknown>;
}

interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** A Server-Sent Events client of GET /v1/config?watch=true: events in order, comments counted. */
class ConfigWatch {
  readonly events: SseEvent[] = [];
  comments = 0;
  headers: IncomingMessage['headers'] = {};
  #response: IncomingMessage | undefined;
  #buffer = '';

  static async open(admin: string): Promise<ConfigWatch> {
    const watch = new ConfigWatch();
    const [host, port] = [admin.slice(0, admin.lastIndexOf(':')), Number(admin.slice(admin.lastIndexOf(':') + 1))];
    watch.#response = await new Promise<IncomingMessage>((resolve, reject) => {
      request({ host, port, path: '/v1/config?watch=true', headers: { accept: 'text/event-stream' } }, resolve)
        .on('error', reject)
        .end();
    });
    watch.headers = watch.#response.headers;
    watch.#response.setEncoding('utf8').on('data', (chunk: string) => watch.#parse(chunk));
    return watch;
  }

  /** Waits for the event at `index` (0: the one sent on connect). */
  async event(index: number, timeoutMs = 5000): Promise<SseEvent & { body: AppConfigBody }> {
    await waitFor(() => this.events.length > index, `config event #${index}`, timeoutMs);
    const event = this.events[index] as SseEvent;
    return { ...event, body: JSON.parse(event.data) as AppConfigBody };
  }

  close(): void {
    this.#response?.destroy();
  }

  #parse(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const event: SseEvent = { event: 'message', id: undefined, data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') {
          event.data += hasData ? `\n${value}` : value;
          hasData = true;
        }
      }
      if (hasData) this.events.push(event);
    }
  }
}

async function getConfig(admin: string, headers: Record<string, string> = {}) {
  const result = await httpRequest(admin, '/v1/config', { headers });
  return { ...result, json: result.status === 200 ? (JSON.parse(result.body) as AppConfigBody) : undefined };
}

function serviceConfig(parameters: string, subsets = ''): string {
  return `apiVersion: pilotfish.dev/v1
kind: ServiceConfig
metadata: { name: client }
spec:
  service: client
  parameters: ${parameters}
${subsets}`;
}

describe('app parameters (ServiceConfig) served by the sidecar', () => {
  let mesh: PolicyMesh;
  let v2App: TestApp;
  let v2: SidecarProcess;
  const file = () => join(mesh.configDir, 'app-config.yaml');

  before(async () => {
    mesh = await startPolicyMesh();
    v2App = await startNamedApp('client-v2');
    v2 = await startSidecar({
      service: 'client',
      instanceId: 'client-v2',
      labels: 'version=v2',
      appPort: v2App.port,
      controlPlane: mesh.controlPlane.grpc,
    });
  });

  after(async () => {
    await v2?.stop();
    await v2App?.close();
    await mesh?.stop();
  });

  it('before any ServiceConfig, the app reads empty parameters and no version, not an error', async () => {
    const result = await getConfig(mesh.client.admin);
    assert.equal(result.status, 200);
    assert.equal(result.headers['content-type'], 'application/json');
    assert.match(String(result.headers.etag), /^"[0-9a-f]{16}"$/);
    assert.deepEqual(result.json, { service: SERVICE, version: '', parameters: {} });
  });

  it('a watching app sees the current parameters at once, then each edit of the file', async () => {
    const watch = await ConfigWatch.open(mesh.client.admin);
    try {
      assert.equal(watch.headers['content-type'], 'text/event-stream');
      const initial = await watch.event(0);
      assert.equal(initial.event, 'config');
      assert.equal(initial.id, '');
      assert.deepEqual(initial.body, { service: SERVICE, version: '', parameters: {} });

      await writeFile(file(), serviceConfig('{ requireMfa: false, maxUploadMb: 10, regions: [eu, us], banner: null }'));
      const first = await watch.event(1);
      assert.equal(first.event, 'config');
      assert.deepEqual(first.body.parameters, {
        banner: null,
        maxUploadMb: 10,
        regions: ['eu', 'us'],
        requireMfa: false,
      });
      assert.match(first.body.version, /^[0-9a-f]{16}$/);
      assert.equal(first.id, first.body.version, 'the event id is the version');

      await writeFile(file(), serviceConfig('{ requireMfa: true, maxUploadMb: 10, regions: [eu, us], banner: null }'));
      const second = await watch.event(2);
      assert.equal(second.body.parameters.requireMfa, true);
      assert.notEqual(second.body.version, first.body.version);

      // GET agrees with the stream.
      assert.deepEqual((await getConfig(mesh.client.admin)).json, second.body);
    } finally {
      watch.close();
    }
  });

  it('answers 304 while the ETag the app holds is current, and 200 with a new ETag after a change', async () => {
    const first = await getConfig(mesh.client.admin);
    const etag = String(first.headers.etag);
    const unchanged = await getConfig(mesh.client.admin, { 'if-none-match': etag });
    assert.equal(unchanged.status, 304);
    assert.equal(unchanged.body, '');
    assert.equal(unchanged.headers.etag, etag);
    assert.equal(
      (await getConfig(mesh.client.admin, { 'if-none-match': `"other", ${etag}` })).status,
      304,
      'a list of tags',
    );

    await writeFile(file(), serviceConfig('{ requireMfa: true, maxUploadMb: 20 }'));
    await waitFor(
      async () => (await getConfig(mesh.client.admin)).json?.parameters.maxUploadMb === 20,
      'maxUploadMb 20 on the client sidecar',
    );
    const changed = await getConfig(mesh.client.admin, { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.etag, etag);
  });

  it('a subset override applies only to the instances whose labels match, and its edits wake no other watcher', async () => {
    await writeFile(
      file(),
      serviceConfig(
        '{ requireMfa: true, maxUploadMb: 20 }',
        '  subsets:\n    - labels: { version: v2 }\n      parameters: { maxUploadMb: 50, canary: true }\n',
      ),
    );
    await waitFor(
      async () => (await getConfig(v2.admin)).json?.parameters.maxUploadMb === 50,
      'the v2 override on the v2 sidecar',
    );
    assert.deepEqual((await getConfig(v2.admin)).json?.parameters, { canary: true, maxUploadMb: 50, requireMfa: true });
    assert.deepEqual(
      (await getConfig(mesh.client.admin)).json?.parameters,
      { maxUploadMb: 20, requireMfa: true },
      'the unlabelled instance keeps the base',
    );

    const watch = await ConfigWatch.open(mesh.client.admin);
    try {
      await watch.event(0);
      await writeFile(
        file(),
        serviceConfig(
          '{ requireMfa: true, maxUploadMb: 20 }',
          '  subsets:\n    - labels: { version: v2 }\n      parameters: { maxUploadMb: 60 }\n',
        ),
      );
      await waitFor(async () => (await getConfig(v2.admin)).json?.parameters.maxUploadMb === 60, 'the new v2 override');
      // A later change to the base reaches this instance after that push: its event comes next.
      await writeFile(
        file(),
        serviceConfig(
          '{ requireMfa: true, maxUploadMb: 21 }',
          '  subsets:\n    - labels: { version: v2 }\n      parameters: { maxUploadMb: 60 }\n',
        ),
      );
      assert.equal(
        (await watch.event(1)).body.parameters.maxUploadMb,
        21,
        "a push that leaves this instance's parameters as they were sends no event",
      );
    } finally {
      watch.close();
    }
  });

  it('shows the ServiceConfig type (SCDS) ACKed per sidecar in the control plane status', async () => {
    const { proxies } = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/proxies`)).json()) as {
      proxies: Array<{ nodeId: string; types: Record<string, { subscribed: string[]; ackedVersion: string }> }>;
    };
    const v2Proxy = proxies.find((proxy) => proxy.nodeId === 'sidecar~client-v2.default');
    assert.deepEqual(v2Proxy?.types.SCDS?.subscribed, [SERVICE]);
    await waitFor(async () => {
      const { proxies: now } = (await (await fetch(`http://${mesh.controlPlane.admin}/debug/proxies`)).json()) as {
        proxies: Array<{ nodeId: string; types: Record<string, { ackedVersion: string; sentVersion: string }> }>;
      };
      const status = now.find((proxy) => proxy.nodeId === 'sidecar~client-v2.default')?.types.SCDS;
      return status !== undefined && status.ackedVersion !== '' && status.ackedVersion === status.sentVersion;
    }, 'SCDS ACKed by the v2 sidecar');
  });

  it('deleting the document returns every instance to empty parameters and no version', async () => {
    const watch = await ConfigWatch.open(mesh.client.admin);
    try {
      await watch.event(0);
      await unlink(file());
      const cleared = await watch.event(1);
      assert.deepEqual(cleared.body, { service: SERVICE, version: '', parameters: {} });
      await waitFor(
        async () => (await getConfig(v2.admin)).json?.version === '',
        'the v2 sidecar to drop its parameters',
      );
      assert.deepEqual((await getConfig(v2.admin)).json, { service: SERVICE, version: '', parameters: {} });
    } finally {
      watch.close();
    }
  });
});

describe('app parameters from a scripted control plane', () => {
  let server: grpc.Server;
  let app: TestApp;
  let sidecar: RunningProcess;
  let admin: string;
  const requests: DiscoveryRequest__Output[] = [];
  let stream: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut> | undefined;
  const PROBE = 'probe.default.svc.cluster.local';

  before(async () => {
    server = new grpc.Server();
    server.addService(aggregatedDiscoveryService, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>) => {
        stream = call;
        call.on('data', (request: DiscoveryRequest__Output) => requests.push(request));
        call.on('error', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    app = await startNamedApp('probe');
    let record: Record<string, unknown>;
    [sidecar, record] = await startCli(
      [
        'sidecar',
        '--service',
        'probe',
        '--instance-id',
        'probe-1',
        '--labels',
        'version=v1',
        '--app-port',
        String(app.port),
        '--control-plane',
        `127.0.0.1:${port}`,
      ].concat([
        '--inbound-listen',
        '127.0.0.1:0',
        '--outbound-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
      ]),
      'sidecar listening',
    );
    admin = String(record.admin);
  });

  after(async () => {
    await sidecar?.stop('SIGKILL');
    server?.forceShutdown();
    await app?.close();
  });

  function push(version: string, nonce: string, resource: object): void {
    stream?.write({
      version_info: version,
      type_url: TYPE_URL.serviceConfig,
      nonce,
      resources: [encodeResource(TYPE_URL.serviceConfig, resource)],
    });
  }

  it("asks for its own service's ServiceConfig by name, and a NACKed response changes nothing the app sees", async () => {
    await waitFor(
      () => requests.some((request) => request.type_url === TYPE_URL.serviceConfig),
      'the ServiceConfig request',
    );
    assert.deepEqual(requests.find((request) => request.type_url === TYPE_URL.serviceConfig)?.resource_names, [PROBE]);

    const watch = await ConfigWatch.open(admin);
    try {
      await watch.event(0);
      push('v1', 'n1', {
        name: PROBE,
        parameters: objectToStruct({ limit: 5 }),
        subsets: [{ labels: { version: 'v1' }, parameters: objectToStruct({ limit: 7 }) }],
      });
      const accepted = await watch.event(1);
      assert.deepEqual(accepted.body.parameters, { limit: 7 });
      assert.equal(requests.find((request) => request.response_nonce === 'n1')?.error_detail, undefined, 'ACKed');

      push('v2', 'n2', {
        name: PROBE,
        parameters: objectToStruct({ limit: 9 }),
        subsets: [{ labels: {}, parameters: objectToStruct({ limit: 1 }) }],
      });
      await waitFor(() => requests.some((request) => request.response_nonce === 'n2'), 'the NACK');
      const nack = requests.find((request) => request.response_nonce === 'n2');
      assert.equal(nack?.version_info, 'v1', 'the sidecar keeps the last good version');
      assert.match(nack?.error_detail?.message ?? '', /subsets\[0\]\.labels: is empty/);
      assert.deepEqual((await getConfig(admin)).json?.parameters, { limit: 7 });
      // The next good push is the next event: the NACKed one, handled before it, sent none.
      push('v3', 'n3', { name: PROBE, parameters: objectToStruct({ limit: 11 }) });
      assert.deepEqual((await watch.event(2)).body.parameters, { limit: 11 }, 'a NACKed push sends no event');
    } finally {
      watch.close();
    }
  });
});
