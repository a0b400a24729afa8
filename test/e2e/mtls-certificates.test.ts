// Which certificates mutual TLS between sidecars refuses, end to end, each with a log line naming
// why: a client certificate from another root, an expired one, and an endpoint presenting an
// identity its service's instances did not register with. A mesh certificate goes through.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tokenCredentials } from '../support/control-plane-credentials.js';
import { httpRequest } from '../support/http.js';
import { testStateDir, workloadTokenFile, securityOf } from '../support/mesh-security.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import { waitFor } from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';
import { issueSvid, mutualTlsRequest, type TestSvid } from '../support/workload-certificates.js';

describe('mutual TLS refuses certificates it must not trust', () => {
  let mesh: TwoServiceMesh;
  let meshCa: string;
  let impostor: Server | undefined;

  before(async () => {
    mesh = await startTwoServiceMesh();
    meshCa = readFileSync(mesh.controlPlane.caFile as string, 'utf8');
  });

  after(async () => {
    impostor?.close();
    await mesh?.stop();
  });

  const refusedWith = async (svid: TestSvid, reason: RegExp): Promise<void> => {
    await assert.rejects(mutualTlsRequest(mesh.backend.inbound, '/', svid, meshCa));
    await waitFor(
      async () =>
        mesh.backend
          .logs()
          .split('\n')
          .some((line) => line.includes('mutual TLS handshake refused') && reason.test(line)),
      `the backend sidecar to log the refusal (${reason})`,
    );
  };

  it('serves a client holding a certificate of the mesh', async () => {
    const svid = await issueSvid(mesh.controlPlane.stateDir as string, 'ledger');
    assert.equal((await mutualTlsRequest(mesh.backend.inbound, '/', svid, meshCa)).status, 200);
  });

  it('refuses a client certificate from another root, logging why', async () => {
    await refusedWith(
      await issueSvid(testStateDir(), 'ledger'),
      /UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
  });

  it('refuses an expired client certificate, logging why', async () => {
    const expired = await issueSvid(mesh.controlPlane.stateDir as string, 'ledger', { lifetimeMs: -60_000 });
    await refusedWith(expired, /CERT_HAS_EXPIRED/);
  });

  it('refuses an endpoint whose certificate names another identity than its service registered with', async () => {
    // A server with a mesh certificate for "impostor", registered as an instance of "payments" by payments' own token.
    const svid = await issueSvid(mesh.controlPlane.stateDir as string, 'impostor');
    impostor = createServer({ key: svid.key, cert: svid.cert, ca: svid.ca, requestCert: true }, (_req, res) =>
      res.end('impostor'),
    );
    await new Promise<void>((resolve) => impostor?.listen(0, '127.0.0.1', resolve));
    const security = securityOf(mesh.controlPlane.grpc);
    assert.ok(security);
    const token = readFileSync(workloadTokenFile(security, 'payments'), 'utf8');
    const registry = registryClient(mesh.controlPlane.grpc, tokenCredentials(security.caFile, token));
    await register(registry, {
      instance: {
        service: 'payments',
        instance_id: 'payments-1',
        address: '127.0.0.1',
        port: (impostor.address() as AddressInfo).port,
      },
      ttl_seconds: 30,
    });
    registry.close();
    const callPayments = () => httpRequest(mesh.frontend.outbound, '/', { headers: { host: 'payments' } });
    const refusal = `the peer at 127.0.0.1:${(impostor.address() as AddressInfo).port} is spiffe://cluster.local/ns/default/sa/impostor, not an identity its service may have (spiffe://cluster.local/ns/default/sa/payments)`;
    // Once its endpoint has reached the frontend's sidecar, a call tries it, and is refused.
    await waitFor(async () => {
      const result = await callPayments();
      assert.doesNotMatch(result.body, /impostor/, 'nothing reaches the impostor');
      return mesh.frontend.logs().includes(refusal);
    }, 'the frontend sidecar to log the refused identity');
    const result = await callPayments();
    assert.equal(result.status, 503);
    assert.match(result.body, /upstream connect error: UPSTREAM_TLS_HANDSHAKE/);
  });
});
