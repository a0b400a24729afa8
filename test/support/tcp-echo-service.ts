// A TCP service for end-to-end tests: an app answering each chunk with `NAME: chunk`, behind its
// own sidecar (--app-protocol tcp), and a Service declaring a free TCP port for it in a policy
// mesh's config folder; and a client that tells an echo from a closed connection.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';
import type { PolicyMesh } from './policy-mesh.js';
import { startSidecar, type SidecarProcess } from './processes.js';

export interface TcpEchoService {
  /** The Service's TCP port: callers' sidecars bind it on their outbound host. */
  port: number;
  sidecar: SidecarProcess;
  /** Every chunk the app received. */
  received: string[];
  stop(): Promise<void>;
}

export async function startTcpEchoService(mesh: PolicyMesh, name: string): Promise<TcpEchoService> {
  const received: string[] = [];
  const app: Server = createServer((socket) => {
    socket.on('data', (data) => {
      received.push(String(data));
      socket.write(`${name}: ${String(data)}`);
    });
    socket.on('error', () => socket.destroy());
  }).listen(0, '127.0.0.1');
  await once(app, 'listening');
  const port = await freePort();
  const fqdn = `${name}.default.svc.cluster.local`;
  await mesh.applyConfig(
    `${name}.yaml`,
    `apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  ports: [{ port: ${port}, protocol: tcp }]\n`,
    `outbound|${port}||${fqdn}`,
  );
  // The mesh's client sidecar, started first, holds the port on the shared loopback host.
  const sidecar = await startSidecar({
    service: name,
    appPort: (app.address() as AddressInfo).port,
    appProtocol: 'tcp',
    controlPlane: mesh.controlPlane.grpc,
  });
  await mesh.waitForEndpoints(fqdn, 1);
  return {
    port,
    sidecar,
    received,
    async stop() {
      await sidecar.stop();
      app.close();
    },
  };
}

/** What `socket` gets back for "ping" once open (at `event`): the echo, or 'closed' when it is closed (or refused) first. */
export function ping(socket: Socket, event = 'connect'): Promise<string> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve('closed'));
    socket.once(event, () => socket.write('ping'));
    socket.once('data', (data: Buffer) => {
      resolve(String(data));
      socket.destroy();
    });
  });
}

/** ping() over a plaintext connection to host:port. */
export function plaintextPing(address: string): Promise<string> {
  const separator = address.lastIndexOf(':');
  return ping(connect(Number(address.slice(separator + 1)), address.slice(0, separator)));
}
