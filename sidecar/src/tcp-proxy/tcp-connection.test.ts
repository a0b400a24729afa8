import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { waitFor } from '../../../test/support/processes.js';
import { ClusterEndpoint } from '../cluster/cluster-endpoint.js';
import { Cluster } from '../cluster/cluster.js';
import type { Listener } from '../listeners/listener.js';
import { createTcpListener } from '../listeners/tcp-listener.js';
import { TcpMetrics } from '../telemetry/tcp-metrics.js';
import { HostRegistry } from '../upstream/host-registry.js';
import type { TcpRoute } from './tcp-connection.js';

const logger = pino({ level: 'silent' });
const BACKLOG = 1;
const PEERS = { reporter: 'source', source: 'client', destinationFqdn: 'db.default.svc.cluster.local' } as const;

/**
 * A port whose SYNs go unanswered, as a host that is down or behind a firewall: a child process
 * listens with a backlog of 1 and is stopped (SIGSTOP), and its accept queue is filled, so the
 * kernel drops further connection attempts and a connect only times out.
 */
async function startUnresponsive(): Promise<{ port: number; child: ChildProcess; fillers: Socket[] }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: ${BACKLOG} }, function () { console.log(this.address().port); })`,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  child.kill('SIGSTOP');
  const fillers: Socket[] = [];
  // Connections the stopped process never accepts (the kernel completes them) until its queue holds
  // more than its backlog: Linux then drops further SYNs.
  while (fillers.length <= BACKLOG) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    await once(socket, 'connect');
    await waitFor(() => acceptQueueLength(port) === fillers.length, `connection ${fillers.length} queued`);
  }
  return { port, child, fillers };
}

/** The connections waiting in the accept queue of the listener on 127.0.0.1:`port` (LISTEN rows of /proc/net/tcp: rx_queue). */
function acceptQueueLength(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, address, , state, queues] = line.trim().split(/\s+/);
    if (address === local && state === '0A') return parseInt(queues?.split(':')[1] ?? '0', 16);
  }
  throw new Error(`no listener on 127.0.0.1:${port} in /proc/net/tcp`);
}

/** Connects, sends `message`, and reads until the proxy closes: the echo, or '' when refused. */
async function exchange(port: number, message: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => {
    text += chunk;
    socket.end();
  });
  // A refused connection is cut (ECONNRESET on this side): what was echoed is what counts.
  socket.on('error', () => undefined);
  socket.write(message);
  await new Promise((resolve) => socket.once('close', resolve));
  return text;
}

describe('TCP connection', () => {
  const hosts = new HostRegistry();
  const listeners: Listener[] = [];
  let echo: Server;
  let echoPort: number;
  let deadPort: number;

  before(async () => {
    echo = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
    const dead = createServer().listen(0, '127.0.0.1');
    await once(dead, 'listening');
    deadPort = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
  });

  after(async () => {
    await Promise.all(listeners.map((listener) => listener.close(0)));
    await hosts.closeAll();
    echo.close();
  });

  /** A TCP listener forwarding to a cluster of `ports` (none: no cluster at all). */
  async function proxy(
    ports: number[] | undefined,
    maxConnectAttempts: number,
    connectTimeoutMs = 1000,
  ): Promise<[number, Registry, Cluster | undefined]> {
    const cluster =
      ports === undefined
        ? undefined
        : new Cluster(
            'db',
            ports.map(
              (port) => new ClusterEndpoint(hosts.get('127.0.0.1', port, connectTimeoutMs), `db-${port}`, 'HEALTHY'),
            ),
          );
    const route: TcpRoute = { cluster, clusterName: 'db', idleTimeoutMs: 0, maxConnectAttempts };
    const registry = new Registry();
    const telemetry = { metrics: new TcpMetrics(registry), peers: PEERS };
    const listener = createTcpListener({ name: 'db', route: () => route, telemetry: () => telemetry, logger });
    listeners.push(listener);
    return [(await listener.listen('127.0.0.1', 0)).port, registry, cluster];
  }

  async function counted(registry: Registry, name: string, flag: string): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
    return (
      (metric?.values as Array<{ value: number; labels: Record<string, string> }> | undefined)?.find(
        (value) => value.labels.response_flags === flag,
      )?.value ?? 0
    );
  }

  it('passes over an endpoint that refuses for the next one, within max_connect_attempts', async () => {
    const [port, , cluster] = await proxy([deadPort, echoPort], 2);
    for (let i = 0; i < 4; i++) assert.equal(await exchange(port, `hello ${i}`), `hello ${i}`);
    const dead = cluster?.endpoints.find((endpoint) => endpoint.host.port === deadPort);
    assert.ok((dead?.host.connectFailures ?? 0) >= 1, 'the refusing endpoint was tried');
    assert.equal(cluster?.stats.activeRequests, 0, 'every connection released its admission');
  });

  it('passes over an endpoint that does not answer within the connect timeout, and gives up with UF when none does', async () => {
    const unresponsive = await startUnresponsive();
    try {
      const [port, , cluster] = await proxy([unresponsive.port, echoPort], 2, 300);
      for (let i = 0; i < 2; i++) assert.equal(await exchange(port, `hello ${i}`), `hello ${i}`);
      const stalled = cluster?.endpoints.find((endpoint) => endpoint.host.port === unresponsive.port);
      assert.ok((stalled?.host.connectFailures ?? 0) >= 1, 'the endpoint that never answered was tried and timed out');
      const [alone, registry] = await proxy([unresponsive.port], 1, 300);
      const started = Date.now();
      assert.equal(await exchange(alone, 'hello'), '');
      assert.ok(Date.now() - started >= 250, 'the connection was held for the connect timeout, not refused');
      assert.equal(await counted(registry, 'istio_tcp_connections_closed_total', 'UF'), 1);
    } finally {
      for (const socket of unresponsive.fillers) socket.destroy();
      unresponsive.child.kill('SIGKILL');
    }
  });

  it('closes the connection when every attempt fails, counted opened and closed with UF', async () => {
    const [port, registry] = await proxy([deadPort], 2);
    assert.equal(await exchange(port, 'hello'), '');
    assert.equal(await counted(registry, 'istio_tcp_connections_opened_total', 'UF'), 1);
    assert.equal(await counted(registry, 'istio_tcp_connections_closed_total', 'UF'), 1);
  });

  it('closes at once with UH when no endpoint is available, and NC when there is no such cluster', async () => {
    const [empty, emptyRegistry] = await proxy([], 1);
    assert.equal(await exchange(empty, 'hello'), '');
    assert.equal(await counted(emptyRegistry, 'istio_tcp_connections_closed_total', 'UH'), 1);
    const [missing, missingRegistry] = await proxy(undefined, 1);
    assert.equal(await exchange(missing, 'hello'), '');
    assert.equal(await counted(missingRegistry, 'istio_tcp_connections_closed_total', 'NC'), 1);
  });

  it('counts the bytes of a connection when it closes: received from the caller, sent to it', async () => {
    const [port, registry] = await proxy([echoPort], 1);
    assert.equal(await exchange(port, 'x'.repeat(42)), 'x'.repeat(42));
    for (let i = 0; i < 100 && (await counted(registry, 'istio_tcp_connections_closed_total', '-')) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await counted(registry, 'istio_tcp_connections_opened_total', '-'), 1);
    assert.equal(await counted(registry, 'istio_tcp_received_bytes_total', '-'), 42);
    assert.equal(await counted(registry, 'istio_tcp_sent_bytes_total', '-'), 42);
  });
});
