// TCP services through two sidecars: a Service declares a TCP port, every sidecar binds it on its
// outbound host, and connections to it reach the service's instances round robin as raw bytes,
// through their sidecars' TCP inbound listeners (--app-protocol tcp). A server that speaks first is
// heard at once, an idle connection closes after the idle timeout, connections are counted with
// Istio's TCP metrics on both sidecars, and a port no longer declared stops accepting and drains.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { startSidecar, waitFor, type SidecarProcess } from '../support/processes.js';

const ECHO = 'tcpecho.default.svc.cluster.local';
const BANNER = 'banner.default.svc.cluster.local';

/** A TCP app: says `greeting` first when it is given one, then answers each chunk with `name: chunk`. */
async function startTcpApp(name: string, greeting?: string): Promise<Server> {
  const server = createServer((socket) => {
    if (greeting !== undefined) socket.write(greeting);
    socket.on('data', (data) => socket.write(`${name}: ${String(data)}`));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function ask(socket: Socket, message: string): Promise<string> {
  const reply = once(socket, 'data');
  socket.write(message);
  const [data] = (await reply) as [Buffer];
  return String(data);
}

describe('TCP services through the sidecars', () => {
  let mesh: PolicyMesh;
  const apps: Server[] = [];
  const sidecars: SidecarProcess[] = [];
  let echoPort: number;
  let bannerPort: number;

  before(async () => {
    mesh = await startPolicyMesh();
    [echoPort, bannerPort] = [await freePort(), await freePort()];
    const banner = [
      `apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: banner }\nspec:\n  ports: [{ port: ${bannerPort}, protocol: tcp }]\n`,
      'apiVersion: pilotfish.dev/v1\nkind: DestinationPolicy\nmetadata: { name: banner }\nspec:\n  host: banner\n  connectionPool: { idleTimeout: 1s }\n',
    ];
    await mesh.applyConfig('banner.yaml', banner.join('---\n'), `outbound|${bannerPort}||${BANNER}`);
    await mesh.applyConfig(
      'echo.yaml',
      `apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: tcpecho }\nspec:\n  ports: [{ port: ${echoPort}, protocol: tcp }]\n`,
      `outbound|${echoPort}||${ECHO}`,
    );
    // The client's sidecar holds both ports; the instances' sidecars, started after, cannot bind them.
    await waitFor(
      () => (mesh.client.logs().match(/tcp listener bound/g) ?? []).length === 2,
      'the client sidecar to bind both TCP ports',
    );
    for (const name of ['tcpecho-1', 'tcpecho-2']) {
      const app = await startTcpApp(name);
      apps.push(app);
      sidecars.push(
        await startSidecar({
          service: 'tcpecho',
          instanceId: name,
          appPort: (app.address() as AddressInfo).port,
          appProtocol: 'tcp',
          controlPlane: mesh.controlPlane.grpc,
        }),
      );
    }
    const bannerApp = await startTcpApp('banner-1', '220 banner-1 ready\r\n');
    apps.push(bannerApp);
    sidecars.push(
      await startSidecar({
        service: 'banner',
        instanceId: 'banner-1',
        appPort: (bannerApp.address() as AddressInfo).port,
        appProtocol: 'tcp',
        controlPlane: mesh.controlPlane.grpc,
      }),
    );
    await mesh.waitForEndpoints(ECHO, 2);
    await mesh.waitForEndpoints(BANNER, 1);
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    await mesh?.stop();
    for (const app of apps) app.close();
  });

  it('echoes bytes through both sidecars, connections taking turns between the two instances', async () => {
    const servedBy = new Map<string, number>();
    for (let i = 0; i < 4; i++) {
      const socket = await open(echoPort);
      const answer = await ask(socket, `hello ${i}`);
      const match = /^(tcpecho-\d): hello (\d)$/.exec(answer);
      assert.ok(match, `echoed: ${answer}`);
      assert.equal(match[2], String(i));
      servedBy.set(match[1] as string, (servedBy.get(match[1] as string) ?? 0) + 1);
      socket.end();
      await once(socket, 'close');
    }
    assert.deepEqual(Object.fromEntries(servedBy), { 'tcpecho-1': 2, 'tcpecho-2': 2 });
  });

  it('passes on the banner of a server that speaks first while the client has sent nothing', async () => {
    const socket = connect(bannerPort, '127.0.0.1');
    // A listener that waited for the client's first bytes would close the connection instead.
    const first = await Promise.race([
      once(socket, 'data').then(([data]) => String(data as Buffer)),
      once(socket, 'close').then(() => 'closed before any data'),
    ]);
    assert.equal(first, '220 banner-1 ready\r\n');
    socket.destroy();
  });

  it('closes a connection idle for the idle timeout (1 s), and keeps a busy one open past it', async () => {
    const busy = await open(bannerPort);
    await once(busy, 'data');
    const idle = await open(bannerPort);
    await once(idle, 'data');
    const started = performance.now();
    const idleClosed = once(idle, 'close');
    // The busy connection talks until the idle one is closed, so it outlives the idle timeout.
    let isIdleClosed = false;
    void idleClosed.then(() => (isIdleClosed = true));
    for (let i = 0; !isIdleClosed; i++) assert.equal(await ask(busy, `ping ${i}`), `banner-1: ping ${i}`);
    const idleMs = performance.now() - started;
    assert.ok(idleMs >= 800, `the idle connection closed after ${idleMs.toFixed(0)} ms, before its idle timeout`);
    assert.equal(busy.destroyed, false, 'the busy connection is still open');
    assert.equal(await ask(busy, 'still there'), 'banner-1: still there');
    busy.destroy();
  });

  it('counts connections and bytes with Istio TCP metrics on the caller and the callee sidecar', async () => {
    const source = {
      reporter: 'source',
      source_workload: 'client',
      destination_service: ECHO,
      response_flags: '-',
      request_protocol: 'tcp',
    };
    const destination = {
      reporter: 'destination',
      destination_service: ECHO,
      response_flags: '-',
      request_protocol: 'tcp',
    };
    const callees = sidecars.slice(0, 2);
    const [callerBefore, ...calleesBefore] = await Promise.all([
      scrape(mesh.client.admin),
      ...callees.map((sidecar) => scrape(sidecar.admin)),
    ]);
    const socket = await open(echoPort);
    await ask(socket, 'x'.repeat(100));
    socket.end();
    await once(socket, 'close');
    const delta = (after: string, before: string, name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    await waitFor(
      async () =>
        delta(await scrape(mesh.client.admin), callerBefore, 'istio_tcp_connections_closed_total', source) === 1,
      'the caller counts the closed connection',
    );
    const caller = await scrape(mesh.client.admin);
    assert.equal(delta(caller, callerBefore, 'istio_tcp_connections_opened_total', source), 1);
    assert.equal(delta(caller, callerBefore, 'istio_tcp_received_bytes_total', source), 100);
    assert.equal(delta(caller, callerBefore, 'istio_tcp_sent_bytes_total', source), 'tcpecho-1: '.length + 100);
    await waitFor(async () => {
      const after = await Promise.all(callees.map((sidecar) => scrape(sidecar.admin)));
      return (
        after.reduce(
          (sum, text, index) =>
            sum + delta(text, calleesBefore[index] as string, 'istio_tcp_connections_closed_total', destination),
          0,
        ) === 1
      );
    }, 'one callee sidecar counts the connection as its destination');
  });

  it("reports an instance sidecar's outbound TCP port it could not bind, and serves on", async () => {
    const text = await scrape((sidecars[0] as SidecarProcess).admin);
    assert.ok(
      sample(text, 'pilotfish_sidecar_listener_bind_failures_total', { listener: `outbound|${echoPort}||${ECHO}` }) >=
        1,
    );
    assert.match((sidecars[0] as SidecarProcess).logs(), /tcp listener cannot bind its port/);
  });

  it('stops accepting on a port the Service no longer declares, and lets open connections finish', async () => {
    const connection = await open(echoPort);
    assert.match(await ask(connection, 'before'), /^tcpecho-\d: before$/);
    await mesh.removeConfig('echo.yaml', `outbound|${echoPort}||${ECHO}`);
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const probe = connect(echoPort, '127.0.0.1');
          probe.once('connect', () => {
            probe.destroy();
            resolve(false);
          });
          probe.once('error', (error: Error & { code?: string }) => resolve(error.code === 'ECONNREFUSED'));
        }),
      'the port to refuse new connections',
    );
    assert.match(
      await ask(connection, 'after'),
      /^tcpecho-\d: after$/,
      'the open connection still works while it drains',
    );
    connection.destroy();
  });
});
