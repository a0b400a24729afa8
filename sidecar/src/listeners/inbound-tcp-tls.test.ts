import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { pino } from 'pino';
import { loadStateDirCa } from '../../../control-plane/src/identity/state-dir-ca.js';
import { SvidIssuer } from '../../../control-plane/src/identity/svid-issuer.js';
import { peerIdentity } from '../http/peer-identity.js';
import { createCertificateRequest } from '../identity/certificate-request.js';
import type { WorkloadCertificate, WorkloadCertificateState } from '../identity/workload-certificate.js';
import { WorkloadTls } from '../identity/workload-tls.js';
import { createInboundTcpTls, type InboundTcpSecurity } from './inbound-tcp-tls.js';

async function issue(stateDir: string, serviceAccount: string): Promise<WorkloadCertificateState> {
  const ca = await loadStateDirCa(stateDir, 'cluster.local', new Date());
  const request = await createCertificateRequest();
  const issued = await new SvidIssuer({ ca, trustDomain: 'cluster.local' }).issue(request.csrPem, {
    namespace: 'default',
    serviceAccount,
  });
  return { ...issued, privateKeyPem: request.privateKeyPem };
}

const STRICT: InboundTcpSecurity = { acceptsPlaintext: false };
const PERMISSIVE: InboundTcpSecurity = { acceptsPlaintext: true };

describe("a TCP app's inbound connections in mutual TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-inbound-tcp-tls-'));
  let server: Server;
  let port: number;
  let client: WorkloadCertificateState;
  let security: InboundTcpSecurity;
  // Ports with a mode of their own (portLevelMtls); the others take `security`.
  let portModes = new Map<number | undefined, InboundTcpSecurity>();
  const logs: string[] = [];

  before(async () => {
    const workload = await issue(dir, 'vault');
    client = await issue(dir, 'ledger');
    const certificate = { current: workload, onChange: () => undefined } as unknown as WorkloadCertificate;
    const accept = createInboundTcpTls({
      workload: new WorkloadTls(certificate),
      security: (destination) => (portModes.has(destination) ? portModes.get(destination) : security),
      // The "app": names the caller it was handed, whether or not that caller has spoken.
      proxy: (socket) => socket.end(`hello ${peerIdentity(socket) ?? 'plaintext'}`),
      logger: pino({}, { write: (line: string) => logs.push(line) }),
    });
    server = createServer({ pauseOnConnect: true }, accept);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ({ port } = server.address() as AddressInfo);
  });

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a client gets before the connection closes: what the proxied "app" said, or '' when refused. */
  function answer(socket: Socket, first?: string): Promise<string> {
    let text = '';
    socket.on('data', (data: Buffer) => (text += String(data)));
    socket.on('error', () => undefined);
    if (first !== undefined) socket.write(first);
    return new Promise((resolve) => socket.once('close', () => resolve(text)));
  }
  const plaintext = (first?: string) => answer(connectTcp(port, '127.0.0.1'), first);
  const tls = (alpn: string) =>
    answer(
      connectTls({
        host: '127.0.0.1',
        port,
        key: client.privateKeyPem,
        cert: client.certificateChain,
        ca: client.trustBundle,
        ALPNProtocols: [alpn],
        checkServerIdentity: () => undefined,
      }),
    );

  it('takes a peer sidecar in mutual TLS under the TCP ALPN, its identity verified', async () => {
    for (const mode of [STRICT, PERMISSIVE, undefined]) {
      security = mode;
      assert.equal(await tls('pilotfish-tcp'), 'hello spiffe://cluster.local/ns/default/sa/ledger');
    }
  });

  it("refuses a TLS client offering HTTP's ALPN, with a log line", async () => {
    security = STRICT;
    assert.equal(await tls('h2'), '');
    assert.ok(logs.some((line) => line.includes('mutual TLS handshake refused')));
  });

  it('refuses a plaintext client under STRICT before the app is handed it, with a log line', async () => {
    security = STRICT;
    assert.equal(await plaintext('ping'), '');
    assert.ok(logs.some((line) => line.includes('plaintext connection refused: PeerAuthentication STRICT')));
  });

  it('takes plaintext under PERMISSIVE and before any config: at once from a client that speaks first, and from one waiting for a banner after the detection wait', async () => {
    for (const mode of [PERMISSIVE, undefined]) {
      security = mode;
      assert.equal(await plaintext('ping'), 'hello plaintext');
      assert.equal(await plaintext(), 'hello plaintext');
    }
  });

  it('passes every connection on unread under DISABLE, a waiting client at once', async () => {
    security = 'plaintext';
    assert.equal(await plaintext(), 'hello plaintext');
  });

  it('takes the mode of the port a connection was sent to', async () => {
    security = PERMISSIVE;
    portModes = new Map([[port, STRICT]]);
    assert.equal(await plaintext('ping'), '', 'this port is STRICT');
    security = STRICT;
    portModes = new Map([[port, 'plaintext']]);
    assert.equal(await plaintext(), 'hello plaintext', 'this port is DISABLE: passed on at once');
    portModes = new Map();
  });
});
