// WebSocket through two sidecars: the upgrade is routed like any request (the Host picks the
// service), the 101 and then the frames pass both ways, the upgrade counts once as a 101 on each
// sidecar when the connection closes, and an upgrade no route matches is refused with 404.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { httpRequest } from '../support/http.js';
import { sample, scrape } from '../support/metrics.js';
import {
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type SidecarProcess,
} from '../support/processes.js';

/** A WebSocket app that answers each message with `answer(message)`. */
async function startWebSocketApp(answer: (message: string) => string): Promise<WebSocketServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(answer(String(data)))));
  await once(server, 'listening');
  return server;
}

function portOf(server: WebSocketServer): number {
  return (server.address() as AddressInfo).port;
}

/** Opens a WebSocket to `host` (the service the caller names) through the caller's sidecar. */
async function openThrough(outbound: string, host: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://${outbound}/chat`, { headers: { host } });
  await once(socket, 'open');
  return socket;
}

async function exchange(socket: WebSocket, message: string): Promise<string> {
  const reply = once(socket, 'message');
  socket.send(message);
  const [data] = (await reply) as [Buffer];
  return String(data);
}

describe('WebSocket through the sidecars', () => {
  let controlPlane: ControlPlaneProcess;
  let echoApp: WebSocketServer;
  let shoutApp: WebSocketServer;
  let frontendApp: TestApp;
  const sidecars: SidecarProcess[] = [];
  let frontend: SidecarProcess;

  before(async () => {
    controlPlane = await startControlPlane();
    echoApp = await startWebSocketApp((message) => `echo: ${message}`);
    shoutApp = await startWebSocketApp((message) => message.toUpperCase());
    frontendApp = await startNamedApp('frontend-1');
    sidecars.push(await startSidecar({ service: 'echo', appPort: portOf(echoApp), controlPlane: controlPlane.grpc }));
    sidecars.push(await startSidecar({ service: 'shout', appPort: portOf(shoutApp), controlPlane: controlPlane.grpc }));
    frontend = await startSidecar({ service: 'frontend', appPort: frontendApp.port, controlPlane: controlPlane.grpc });
    sidecars.push(frontend);
    // A WebSocket server answers a plain request 426: the service is routable.
    for (const host of ['echo', 'shout'])
      await waitFor(
        async () => (await httpRequest(frontend.outbound, '/', { headers: { host } })).status === 426,
        `${host} routable`,
      );
  });

  after(async () => {
    await Promise.all(sidecars.map((sidecar) => sidecar.stop()));
    for (const server of [echoApp, shoutApp]) {
      for (const client of server.clients) client.terminate();
      server.close();
    }
    await frontendApp.close();
    await controlPlane.stop();
  });

  it('echoes messages both ways, each connection routed to the service its Host names', async () => {
    const [echo, shout] = await Promise.all([
      openThrough(frontend.outbound, 'echo'),
      openThrough(frontend.outbound, 'shout'),
    ]);
    for (let i = 0; i < 5; i++) {
      assert.equal(await exchange(echo, `hello ${i}`), `echo: hello ${i}`);
      assert.equal(await exchange(shout, `hello ${i}`), `HELLO ${i}`);
    }
    echo.close();
    shout.close();
    await Promise.all([once(echo, 'close'), once(shout, 'close')]);
    // A sidecar counts an upgrade when its tunnel closes, which can come after the client saw the
    // close: wait for these counts, so that the next test's baseline does not race them.
    const upgrade = (reporter: string, service: string) => ({
      reporter,
      destination_service: `${service}.default.svc.cluster.local`,
      response_code: '101',
    });
    const echoSidecar = sidecars[0] as SidecarProcess;
    await waitFor(async () => {
      const [caller, callee] = await Promise.all([scrape(frontend.admin), scrape(echoSidecar.admin)]);
      return (
        sample(caller, 'istio_requests_total', upgrade('source', 'echo')) === 1 &&
        sample(caller, 'istio_requests_total', upgrade('source', 'shout')) === 1 &&
        sample(callee, 'istio_requests_total', upgrade('destination', 'echo')) === 1
      );
    }, 'each closed upgrade counted once, on the caller and on the callee');
  });

  it('counts the upgrade once as a 101 on the caller and the callee sidecar, when it closes', async () => {
    const echoSidecar = sidecars[0] as SidecarProcess;
    const source = {
      reporter: 'source',
      source_workload: 'frontend',
      destination_service: 'echo.default.svc.cluster.local',
      response_code: '101',
      response_flags: '-',
    };
    const destination = { ...source, reporter: 'destination' };
    const [callerBefore, calleeBefore] = await Promise.all([scrape(frontend.admin), scrape(echoSidecar.admin)]);
    const socket = await openThrough(frontend.outbound, 'echo');
    assert.equal(await exchange(socket, 'counted'), 'echo: counted');
    socket.close();
    await once(socket, 'close');
    await waitFor(
      async () =>
        sample(await scrape(echoSidecar.admin), 'istio_requests_total', destination) ===
        sample(calleeBefore, 'istio_requests_total', destination) + 1,
      'the callee counts the closed upgrade',
    );
    await waitFor(
      async () =>
        sample(await scrape(frontend.admin), 'istio_requests_total', source) ===
        sample(callerBefore, 'istio_requests_total', source) + 1,
      'the caller counts the closed upgrade',
    );
    const caller = await scrape(frontend.admin);
    assert.equal(
      sample(caller, 'istio_requests_total', source) - sample(callerBefore, 'istio_requests_total', source),
      1,
      'counted once',
    );
    assert.ok(
      sample(caller, 'istio_response_bytes_sum', source) > sample(callerBefore, 'istio_response_bytes_sum', source),
      'the bytes from upstream counted',
    );
  });

  it('refuses an upgrade that no route matches with 404 (NR)', async () => {
    const socket = new WebSocket(`ws://${frontend.outbound}/chat`, { headers: { host: 'nosuch' } });
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
    assert.equal(response.statusCode, 404);
    response.resume();
    const refused = { reporter: 'source', destination_service: 'unknown', response_code: '404', response_flags: 'NR' };
    await waitFor(
      async () => sample(await scrape(frontend.admin), 'istio_requests_total', refused) === 1,
      'the refused upgrade counted as a 404 NR',
    );
  });
});
