// Leaf certificate rotation under load: a control plane issuing one-minute workload certificates
// (--workload-cert-ttl 1m), two sidecars that renew them at about half life while ~500 req/s go
// from one to the other in mutual TLS. Every sidecar swaps its certificate and no request fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROTATION_LOAD, startLoad } from '../support/load.js';
import { startTwoServiceMesh, type TwoServiceMesh } from '../support/mesh.js';
import { scrape, sample } from '../support/metrics.js';
import { runCli, waitFor, type SidecarProcess } from '../support/processes.js';
import { issueSvid, presentedCertificate } from '../support/workload-certificates.js';

const LIFETIME_S = 60;

/** When the workload certificate a sidecar presents now expires, in Unix seconds. */
async function certificateExpiry(sidecar: SidecarProcess): Promise<number> {
  return sample(await scrape(sidecar.admin), 'pilotfish_cert_expiry_timestamp_seconds', { listener: 'inbound' });
}

describe('leaf certificate rotation under load', () => {
  let mesh: TwoServiceMesh;

  before(async () => {
    mesh = await startTwoServiceMesh({}, ['--workload-cert-ttl', '1m']);
  });

  after(async () => {
    await mesh?.stop();
  });

  it('refuses a --workload-cert-ttl below a minute, saying why', async () => {
    const result = await runCli(['control-plane', '--workload-cert-ttl', '30s']);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /'--workload-cert-ttl <duration>' argument '30s' is invalid\. "30s" is shorter than 1m/,
    );
  });

  it('every sidecar swaps its certificate at about half life while 500 req/s flow: 0 failed requests', async () => {
    const sidecars = { frontend: mesh.frontend, backend: mesh.backend };
    const first = await Promise.all(Object.values(sidecars).map(certificateExpiry));
    for (const expiry of first)
      assert.ok(expiry > 0 && expiry <= Date.now() / 1000 + LIFETIME_S + 1, `a one-minute certificate: ${expiry}`);
    // Bounded: at most 40,000 requests (80 s at the rate asked); a loaded machine sends fewer.
    const load = startLoad({
      address: mesh.frontend.outbound,
      host: 'backend',
      ...ROTATION_LOAD,
      maxRequests: 40_000,
    });
    try {
      await load.answersMore(200, 'before any renewal');
      // Renewal is due at 40–60% of the lifetime: 36 s at the latest, after the first one was issued.
      for (const [index, [name, sidecar]] of Object.entries(sidecars).entries())
        await waitFor(
          async () => (await certificateExpiry(sidecar)) > (first[index] as number),
          `the ${name} sidecar to present a renewed certificate`,
          LIFETIME_S * 1000,
        );
      await load.answersMore(200, 'after every sidecar renewed');
    } finally {
      const { failures, answered } = await load.stop();
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${answered + failures.length} requests failed`);
    }
    // A new connection is served with the renewed certificate (or a later one).
    const client = await issueSvid(mesh.controlPlane.stateDir as string, 'ledger');
    const renewed = await certificateExpiry(mesh.backend);
    const presented = await presentedCertificate(mesh.backend.inbound, client, client.ca);
    assert.ok(Date.parse(presented.validTo) / 1000 >= renewed, `presented: valid to ${presented.validTo}`);
  });
});
