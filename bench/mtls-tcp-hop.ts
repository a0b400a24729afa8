// The cost of mutual TLS on TCP between sidecars: a TCP echo service through two sidecars (client →
// sidecar A's TCP port → sidecar B's TCP inbound → app) with PeerAuthentication DISABLE (plaintext
// hop) and STRICT (mTLS hop), in one run: CPU seconds of both sidecars per echoed message over
// long-lived connections, and per new connection (each its own TLS connection: a TCP connection
// is not pooled, so each pays a handshake, resumed where sidecar B's session allows it).
// Run: node dist/bench/mtls-tcp-hop.js [messages]
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { startPolicyMesh } from '../test/support/policy-mesh.js';
import { waitFor } from '../test/support/processes.js';
import { plaintextPing, startTcpEchoService } from '../test/support/tcp-echo-service.js';
import { totalCpuSeconds } from './measure/proc-stat.js';

const MESSAGES = Number(process.argv[2] ?? 4000);
const CONNECTIONS = 8;
const NEW_CONNECTIONS = 200;
const MESSAGE = 'x'.repeat(64);

interface Cost {
  cpuMsPerMessage: number;
  cpuMsPerConnection: number;
}

/** `count` sequential round trips on `socket`: each message waits for its echo. */
async function roundTrips(socket: Socket, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const echoed = once(socket, 'data');
    socket.write(MESSAGE);
    await echoed;
  }
}

async function measure(mode: 'DISABLE' | 'STRICT'): Promise<Cost> {
  const mesh = await startPolicyMesh();
  const service = await startTcpEchoService(mesh, 'tcpecho');
  try {
    await writeFile(
      join(mesh.configDir, 'mesh.yaml'),
      `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: mesh, namespace: pilotfish-system }\nspec:\n  mtls: { mode: ${mode} }\n`,
    );
    const refusesPlaintext = mode === 'STRICT';
    await waitFor(
      async () => ((await plaintextPing(service.sidecar.inbound)) === 'closed') === refusesPlaintext,
      `${mode} in force`,
    );
    const address = `127.0.0.1:${service.port}`;
    // Sidecar A follows the mode too (it dials sidecar B in plaintext under DISABLE).
    await waitFor(async () => (await plaintextPing(address)) === 'tcpecho: ping', `${mode}: the hop to echo`);
    const sockets = await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const socket = connect(service.port, '127.0.0.1');
        await once(socket, 'connect');
        return socket;
      }),
    );
    await Promise.all(sockets.map((socket) => roundTrips(socket, 20)));
    const pids = [mesh.client.pid, service.sidecar.pid];
    const before = totalCpuSeconds(pids);
    await Promise.all(sockets.map((socket) => roundTrips(socket, MESSAGES / CONNECTIONS)));
    const cpuMsPerMessage = ((totalCpuSeconds(pids) - before) * 1000) / MESSAGES;
    for (const socket of sockets) socket.destroy();
    const beforeConnections = totalCpuSeconds(pids);
    for (let i = 0; i < NEW_CONNECTIONS; i++)
      if ((await plaintextPing(address)) !== 'tcpecho: ping') throw new Error(`${mode}: connection ${i} not echoed`);
    const cpuMsPerConnection = ((totalCpuSeconds(pids) - beforeConnections) * 1000) / NEW_CONNECTIONS;
    return { cpuMsPerMessage, cpuMsPerConnection };
  } finally {
    await service.stop();
    await mesh.stop();
  }
}

const plaintext = await measure('DISABLE');
const mtls = await measure('STRICT');
const round = (value: number) => Number(value.toFixed(3));
console.log(
  JSON.stringify({
    messages: MESSAGES,
    connections: CONNECTIONS,
    newConnections: NEW_CONNECTIONS,
    plaintextCpuMsPerMessage: round(plaintext.cpuMsPerMessage),
    mtlsCpuMsPerMessage: round(mtls.cpuMsPerMessage),
    messageRatio: round(mtls.cpuMsPerMessage / plaintext.cpuMsPerMessage),
    plaintextCpuMsPerConnection: round(plaintext.cpuMsPerConnection),
    mtlsCpuMsPerConnection: round(mtls.cpuMsPerConnection),
    connectionRatio: round(mtls.cpuMsPerConnection / plaintext.cpuMsPerConnection),
  }),
);
