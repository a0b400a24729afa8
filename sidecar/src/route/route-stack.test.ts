import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AttemptOutcome } from '../cluster/attempt-outcome.js';
import { Cluster } from '../cluster/cluster.js';
import { ClusterEndpoint, type EndpointPick } from '../cluster/cluster-endpoint.js';
import { RetryOn, type RetryPolicy } from '../http/retry-policy.js';
import { ResponseRelay } from '../router/response-relay.js';
import { HostRegistry } from '../upstream/host-registry.js';
import { upstreamRequestHeaders } from '../upstream/proxy-headers.js';
import { forwardedRequest } from '../../test-support/request-path.js';
import { routeStack } from './route-stack.js';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** A cluster over real endpoints that picks them in turn, skipping the previous one, and records how attempts ended. */
class ScriptedCluster {
  readonly name = 'scripted';
  readonly protocol = 'http1';
  readonly outcomes: Array<[string, AttemptOutcome]> = [];
  retriesAllowed = Infinity;
  retriesHeld = 0;
  #next = 0;
  constructor(readonly endpoints: ClusterEndpoint[]) {}
  pickAttempt(_hashKey: string | undefined, previous: ClusterEndpoint | undefined): EndpointPick {
    let endpoint = this.endpoints[this.#next++ % this.endpoints.length] as ClusterEndpoint;
    if (endpoint === previous && this.endpoints.length > 1)
      endpoint = this.endpoints[this.#next++ % this.endpoints.length] as ClusterEndpoint;
    return {
      kind: 'endpoint',
      endpoint,
      onAttemptEnd: (outcome) => {
        if (outcome !== undefined) this.outcomes.push([endpoint.hostname, outcome]);
      },
    };
  }
  admitRetry(): boolean {
    if (this.retriesHeld >= this.retriesAllowed) return false;
    this.retriesHeld++;
    return true;
  }
  releaseRetry(): void {
    this.retriesHeld--;
  }
  close(): void {}
}

const RETRY: RetryPolicy = {
  retryOn: RetryOn.serverError,
  numRetries: 2,
  retriableStatusCodes: new Set(),
  perTryTimeoutMs: 0,
  baseIntervalMs: 1,
  maxIntervalMs: 2,
  retriableRequestHeaders: [],
};

describe('route stack over real endpoints', () => {
  const hosts = new HostRegistry();
  const servers: Server[] = [];
  let proxy: Server;
  let proxyPort: number;
  let current: { cluster: ScriptedCluster; timeoutMs: number; retry: RetryPolicy | undefined };

  async function endpoint(hostname: string, behaviour: Behaviour): Promise<ClusterEndpoint> {
    const server = createServer(behaviour);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new ClusterEndpoint(hosts.get('127.0.0.1', port, 1000), hostname, 'HEALTHY');
  }

  before(async () => {
    proxy = createServer((req, res) => {
      const { cluster, timeoutMs, retry } = current;
      const headers = upstreamRequestHeaders(req.rawHeaders, 'app', req.socket.remoteAddress);
      const request = forwardedRequest(cluster as unknown as Cluster, {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        timeoutMs,
        mayRetry: retry !== undefined,
      });
      routeStack(retry, false)(request, new ResponseRelay(req, res, request, undefined));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as AddressInfo).port;
  });

  after(async () => {
    proxy.closeAllConnections();
    proxy.close();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await hosts.closeAll();
  });

  function get(): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      request({ port: proxyPort, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
  }

  /** Resolves once `count` attempts have told the cluster how they ended. */
  async function attemptsEnded(count: number): Promise<void> {
    while (current.cluster.outcomes.length < count) await new Promise((resolve) => setImmediate(resolve));
  }

  const ok =
    (name: string): Behaviour =>
    (_req, res) =>
      res.end(name);
  const status =
    (code: number): Behaviour =>
    (_req, res) =>
      res.writeHead(code).end(`status ${code}`);
  const hang: Behaviour = () => undefined;

  it('relays the answer of the one attempt when nothing fails', async () => {
    current = { cluster: new ScriptedCluster([await endpoint('a', ok('a'))]), timeoutMs: 0, retry: RETRY };
    assert.deepEqual(await get(), { status: 200, body: 'a' });
    assert.deepEqual(current.cluster.outcomes, [['a', { kind: 'response', status: 200 }]]);
  });

  it('retries a 5xx on another endpoint and relays only the good answer', async () => {
    current = {
      cluster: new ScriptedCluster([await endpoint('bad', status(503)), await endpoint('good', ok('good'))]),
      timeoutMs: 0,
      retry: RETRY,
    };
    assert.deepEqual(await get(), { status: 200, body: 'good' });
    await attemptsEnded(2);
    assert.deepEqual(
      current.cluster.outcomes
        .map(([name, outcome]) => `${name}:${outcome.kind === 'response' ? outcome.status : outcome.kind}`)
        .sort(),
      ['bad:503', 'good:200'],
    );
    assert.equal(current.cluster.retriesHeld, 0, 'the retry was released');
  });

  it('relays the last failure when the retries run out', async () => {
    current = {
      cluster: new ScriptedCluster([await endpoint('x', status(500)), await endpoint('y', status(502))]),
      timeoutMs: 0,
      retry: RETRY,
    };
    assert.equal((await get()).status, 500);
    await attemptsEnded(3);
    assert.equal(current.cluster.outcomes.length, 3, 'one attempt and two retries');
  });

  it('counts each retry sent: a request retried twice counts 2', async () => {
    const cluster = new Cluster('counted', [await endpoint('x', status(500)), await endpoint('y', status(502))]);
    current = { cluster: cluster as unknown as ScriptedCluster, timeoutMs: 0, retry: RETRY };
    assert.equal((await get()).status, 500);
    assert.equal(cluster.stats.retries, 2);
    assert.equal(cluster.stats.activeRetries, 0, 'the retry was released');
  });

  it('does not retry when the cluster refuses the retry (budget)', async () => {
    current = {
      cluster: new ScriptedCluster([await endpoint('x', status(500)), await endpoint('good', ok('good'))]),
      timeoutMs: 0,
      retry: RETRY,
    };
    current.cluster.retriesAllowed = 0;
    assert.equal((await get()).status, 500);
  });

  it('retries a connection refused when the policy retries resets', async () => {
    const refused = await endpoint('gone', ok('gone'));
    const server = servers.at(-1) as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    current = {
      cluster: new ScriptedCluster([refused, await endpoint('good', ok('good'))]),
      timeoutMs: 0,
      retry: { ...RETRY, retryOn: RetryOn.connectFailure },
    };
    assert.deepEqual(await get(), { status: 200, body: 'good' });
    assert.equal(current.cluster.outcomes[0]?.[1].kind, 'connect-failure');
  });

  it('answers 504 when the route timeout passes', async () => {
    current = { cluster: new ScriptedCluster([await endpoint('slow', hang)]), timeoutMs: 100, retry: undefined };
    const result = await get();
    assert.equal(result.status, 504);
    assert.match(result.body, /route timeout of 100 ms/);
    // The attempt ends (and reports) once the transport has processed the abort.
    await attemptsEnded(1);
    assert.equal(current.cluster.outcomes[0]?.[1].kind, 'timeout');
  });

  it('gives up an attempt at the per-try timeout and retries elsewhere', async () => {
    current = {
      cluster: new ScriptedCluster([await endpoint('stuck', hang), await endpoint('quick', ok('quick'))]),
      timeoutMs: 5000,
      // Long enough for the quick endpoint to answer on a loaded machine.
      retry: { ...RETRY, retryOn: RetryOn.reset, perTryTimeoutMs: 500 },
    };
    assert.deepEqual(await get(), { status: 200, body: 'quick' });
    await attemptsEnded(2);
    assert.deepEqual(current.cluster.outcomes.map(([name, outcome]) => `${name}:${outcome.kind}`).sort(), [
      'quick:response',
      'stuck:timeout',
    ]);
  });
});
