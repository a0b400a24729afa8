// TCP between sidecars in mutual TLS, end to end: real control plane (with its CA), sidecars and a
// TCP app. The calling sidecar dials the app's sidecar in TLS 1.3 under ALPN "pilotfish-tcp" with
// its certificate; the app's sidecar counts the verified caller (source_principal), refuses
// plaintext under STRICT (the default) and HTTP's ALPN on its TCP port, and takes plaintext too
// under PERMISSIVE.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor, type SidecarProcess } from '../support/processes.js';
import { ping, plaintextPing, startTcpEchoService, type TcpEchoService } from '../support/tcp-echo-service.js';
import { issueSvid, type TestSvid } from '../support/workload-certificates.js';

const TCP_ALPN = 'pilotfish-tcp';

/** A direct TLS connection to `address` with a mesh certificate, offering `alpn`. */
const tlsPing = (address: string, svid: TestSvid, alpn: string) => {
  const separator = address.lastIndexOf(':');
  const socket = connectTls({
    host: address.slice(0, separator),
    port: Number(address.slice(separator + 1)),
    key: svid.key,
    cert: svid.cert,
    ca: svid.ca,
    ALPNProtocols: [alpn],
    // The server's identity is not the subject here: the sidecar's refusal of this client is.
    checkServerIdentity: () => undefined,
  });
  return ping(socket, 'secureConnect');
};

describe('TCP between sidecars in mutual TLS', () => {
  let mesh: PolicyMesh;
  let service: TcpEchoService;
  let echo: SidecarProcess;
  let port: number;
  let received: string[];
  let ledger: TestSvid;
  const foreignCaDir = mkdtempSync(join(tmpdir(), 'pilotfish-foreign-ca-'));
  const principal = (service: string) => `spiffe://cluster.local/ns/default/sa/${service}`;
  const openedFrom = async (service: string, policy: string) =>
    sample(await scrape(echo.admin), 'istio_tcp_connections_opened_total', {
      reporter: 'destination',
      source_workload: service,
      source_principal: principal(service),
      connection_security_policy: policy,
    });

  before(async () => {
    mesh = await startPolicyMesh();
    service = await startTcpEchoService(mesh, 'tcpecho');
    ({ sidecar: echo, port, received } = service);
    ledger = await issueSvid(mesh.controlPlane.stateDir as string, 'ledger');
  });

  after(async () => {
    await service?.stop();
    await mesh?.stop();
    rmSync(foreignCaDir, { recursive: true, force: true });
  });

  it("carries the bytes in mutual TLS: the app's sidecar counts the caller's verified identity", async () => {
    assert.equal(await plaintextPing(`127.0.0.1:${port}`), 'tcpecho: ping');
    await waitFor(async () => (await openedFrom('client', 'mutual_tls')) >= 1, 'the callee to count the mTLS caller');
  });

  it('refuses a plaintext client straight to the inbound port under STRICT, before the app sees a byte', async () => {
    const seen = received.length;
    assert.equal(await plaintextPing(echo.inbound), 'closed');
    assert.equal(received.length, seen, 'the app received nothing');
    await waitFor(
      async () => echo.logs().includes('plaintext connection refused: PeerAuthentication STRICT requires mutual TLS'),
      'the sidecar to log the refusal',
    );
  });

  it("takes a mesh certificate under the TCP ALPN, and refuses HTTP's ALPN on a TCP port", async () => {
    assert.equal(await tlsPing(echo.inbound, ledger, TCP_ALPN), 'tcpecho: ping');
    assert.ok((await openedFrom('ledger', 'mutual_tls')) >= 1, 'counted as the certificate names it');
    const seen = received.length;
    assert.equal(await tlsPing(echo.inbound, ledger, 'h2'), 'closed');
    assert.equal(received.length, seen, 'the app received nothing');
  });

  it('refuses a client certificate of another root, saying why in a log line', async () => {
    const foreign = await issueSvid(join(foreignCaDir, 'state'), 'ledger');
    const seen = received.length;
    // The client trusts the mesh's root: only its own certificate is foreign.
    assert.equal(await tlsPing(echo.inbound, { ...foreign, ca: ledger.ca }, TCP_ALPN), 'closed');
    assert.equal(received.length, seen, 'the app received nothing');
    await waitFor(
      async () => echo.logs().includes('mutual TLS handshake refused'),
      'the sidecar to log the refused handshake',
    );
  });

  it('serves plaintext too under PERMISSIVE, sidecar to sidecar still in mutual TLS', async () => {
    await writeFile(
      join(mesh.configDir, 'peer-authentication.yaml'),
      'apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: default }\nspec:\n  mtls: { mode: PERMISSIVE }\n',
    );
    await waitFor(async () => (await plaintextPing(echo.inbound)) === 'tcpecho: ping', 'PERMISSIVE in force');
    assert.ok(
      sample(await scrape(echo.admin), 'istio_tcp_connections_opened_total', {
        reporter: 'destination',
        source_principal: 'unknown',
        connection_security_policy: 'none',
      }) >= 1,
      'the plaintext caller is counted as such',
    );
    const before = await openedFrom('client', 'mutual_tls');
    assert.equal(await plaintextPing(`127.0.0.1:${port}`), 'tcpecho: ping');
    await waitFor(async () => (await openedFrom('client', 'mutual_tls')) > before, 'the sidecar hop to stay mTLS');
  });
});
