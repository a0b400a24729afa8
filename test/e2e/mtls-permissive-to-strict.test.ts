// Migrating a namespace from PERMISSIVE to STRICT under load (the pain of istio#48290): the mesh's
// callers, already in mutual TLS, see no failed request while the mode changes; a plaintext caller
// from outside the mesh, served until then, is refused after the switch with a 403 saying why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from '../support/http.js';
import { ROTATION_LOAD, startLoad } from '../support/load.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import { waitFor } from '../support/processes.js';

const namespaceMode = (mode: string) => `apiVersion: pilotfish.dev/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: ${mode} }
`;

describe('PERMISSIVE to STRICT under load', () => {
  let mesh: TwoServiceMesh;
  const configDir = mkdtempSync(join(tmpdir(), 'pilotfish-strict-'));
  const applyMode = (mode: string) => writeFile(join(configDir, 'peer-authentication.yaml'), namespaceMode(mode));
  // A caller from outside the mesh, straight to the backend's inbound listener; the mode holds for
  // new connections, so each call opens its own.
  const callFromOutside = () => httpRequest(mesh.backend.inbound, '/outside', { headers: { connection: 'close' } });

  before(async () => {
    await applyMode('PERMISSIVE');
    mesh = await startTwoServiceMesh({}, ['--config-dir', configDir]);
  });

  after(async () => {
    await mesh?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('fails no request from mesh callers, and refuses the plaintext caller once STRICT holds', async () => {
    await waitFor(async () => (await callFromOutside()).status === 200, 'PERMISSIVE to serve the plaintext caller');
    // Bounded: at most 20,000 requests; a loaded machine sends fewer than the rate asked.
    const load = startLoad({
      address: mesh.frontend.outbound,
      host: 'backend',
      ...ROTATION_LOAD,
      maxRequests: 20_000,
    });
    try {
      await load.answersMore(200, 'under PERMISSIVE');
      await applyMode('STRICT');
      await waitFor(async () => (await callFromOutside()).status === 403, 'STRICT to refuse the plaintext caller');
      await load.answersMore(200, 'under STRICT');
    } finally {
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
    const refused = await callFromOutside();
    assert.equal(refused.status, 403);
    assert.match(
      refused.body,
      /mutual TLS required: this sidecar's PeerAuthentication is STRICT, and plaintext connections are refused; call it through a sidecar of the mesh/,
    );
  });
});
