// Mutual TLS between sidecars, on by default, and PeerAuthentication end to end: real control
// plane (with its CA), sidecars and apps. Plaintext to an inbound listener is refused under STRICT
// and served under PERMISSIVE; the app sees the caller its certificate names, never a header a
// client forged (switching PERMISSIVE to STRICT under load: mtls-permissive-to-strict.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpRequest, servedBy } from '../support/http.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import { sample, scrape } from '../support/metrics.js';
import { waitFor } from '../support/processes.js';
import { issueSvid, mutualTlsRequest } from '../support/workload-certificates.js';

const peerAuthentication = (mode: string) => `apiVersion: pilotfish.dev/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: ${mode} }
`;

type Seen = { name: string; headers: Record<string, string | undefined> };

describe('mutual TLS between sidecars and PeerAuthentication', () => {
  let mesh: TwoServiceMesh;
  const configDir = mkdtempSync(join(tmpdir(), 'pilotfish-mtls-'));
  const applyMode = (mode: string) => writeFile(join(configDir, 'peer-authentication.yaml'), peerAuthentication(mode));
  // The mode holds for new connections: a kept-alive one stays as it was accepted.
  const plaintextStatus = async () =>
    (await httpRequest(mesh.backend.inbound, '/plain', { headers: { connection: 'close' } })).status;

  before(async () => {
    mesh = await startTwoServiceMesh({}, ['--config-dir', configDir]);
  });

  after(async () => {
    await mesh?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('refuses plaintext to an inbound listener under STRICT, the default, with a 403 and a log line saying why', async () => {
    const result = await httpRequest(mesh.backend.inbound, '/hello');
    assert.equal(result.status, 403);
    assert.match(result.body, /mutual TLS required: this sidecar's PeerAuthentication is STRICT/);
    await waitFor(
      async () =>
        mesh.backend.logs().includes('plaintext connection refused: PeerAuthentication STRICT requires mutual TLS'),
      'the backend sidecar to log the refusal',
    );
    const through = await httpRequest(mesh.frontend.outbound, '/hello', { headers: { host: 'backend' } });
    assert.equal(through.status, 200, 'sidecar to sidecar goes in mutual TLS');
    assert.equal(servedBy(through), 'backend-1');
  });

  it('gives the app the caller its certificate names, whatever x-pilotfish-source a client sent', async () => {
    const forged = { 'x-pilotfish-source': 'payments' };
    const viaSidecar = await httpRequest(mesh.frontend.outbound, '/who', { headers: { host: 'backend', ...forged } });
    assert.equal((JSON.parse(viaSidecar.body) as Seen).headers['x-pilotfish-source'], 'frontend');
    // A client holding a mesh certificate of its own, calling the inbound listener directly.
    const ledger = await issueSvid(mesh.controlPlane.stateDir as string, 'ledger');
    const direct = await mutualTlsRequest(mesh.backend.inbound, '/who', ledger, ledger.ca, forged);
    assert.equal(direct.status, 200);
    assert.equal((JSON.parse(direct.body) as Seen).headers['x-pilotfish-source'], 'ledger');
    const metrics = await scrape(mesh.backend.admin);
    assert.ok(
      sample(metrics, 'istio_requests_total', {
        reporter: 'destination',
        source_workload: 'ledger',
        source_principal: 'spiffe://cluster.local/ns/default/sa/ledger',
        connection_security_policy: 'mutual_tls',
      }) >= 1,
      'the destination counts the verified caller',
    );
  });

  it('serves plaintext too under PERMISSIVE, with no source header from the plaintext caller', async () => {
    await applyMode('PERMISSIVE');
    await waitFor(async () => (await plaintextStatus()) === 200, 'plaintext to be served under PERMISSIVE');
    const plain = await httpRequest(mesh.backend.inbound, '/who', { headers: { 'x-pilotfish-source': 'payments' } });
    assert.equal(plain.status, 200);
    assert.equal((JSON.parse(plain.body) as Seen).headers['x-pilotfish-source'], undefined);
    const through = await httpRequest(mesh.frontend.outbound, '/who', { headers: { host: 'backend' } });
    assert.equal((JSON.parse(through.body) as Seen).headers['x-pilotfish-source'], 'frontend', 'mTLS still served');
  });

  it("gives a port its own mode: PERMISSIVE on the backend's port while its namespace is STRICT", async () => {
    const backendDocument = join(configDir, 'peer-authentication-backend.yaml');
    const portMode = (port: number, mode: string) =>
      writeFile(
        backendDocument,
        `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: backend, namespace: default }\nspec:\n  selector: { service: backend }\n  portLevelMtls:\n    ${port}: { mode: ${mode} }\n`,
      );
    // The port peers reach the backend at: the one its instance registered, the sidecar's inbound port.
    const port = Number(mesh.backend.inbound.slice(mesh.backend.inbound.lastIndexOf(':') + 1));
    await applyMode('STRICT');
    await waitFor(async () => (await plaintextStatus()) === 403, 'STRICT in force');
    try {
      await portMode(port, 'PERMISSIVE');
      await waitFor(async () => (await plaintextStatus()) === 200, "the port's PERMISSIVE to serve plaintext");
      const through = await httpRequest(mesh.frontend.outbound, '/who', { headers: { host: 'backend' } });
      assert.equal((JSON.parse(through.body) as Seen).headers['x-pilotfish-source'], 'frontend', 'mTLS still served');
      await portMode(port + 1, 'PERMISSIVE');
      await waitFor(async () => (await plaintextStatus()) === 403, "another port's mode leaves this one STRICT");
    } finally {
      rmSync(backendDocument, { force: true });
    }
  });
});
