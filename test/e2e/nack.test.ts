// A resource a sidecar cannot use is NACKed with a reason; the sidecar keeps serving its last good
// config, and the control plane shows the NACK in /debug/proxies and `pilotfish status`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { useTwoServiceMesh } from '../support/mesh.js';
import { httpRequest, servedBy } from '../support/http.js';
import { cliPath, waitFor } from '../support/processes.js';
import { cliEnv } from '../support/mesh-security.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface ProxyView {
  nodeId: string;
  types: Record<
    string,
    { inSync: boolean; ackedVersion: string; sentVersion: string; lastNack?: { message: string; version: string } }
  >;
}

describe('NACKed config', () => {
  const mesh = useTwoServiceMesh();

  async function frontendProxy(): Promise<ProxyView | undefined> {
    const view = (await (await fetch(`http://${mesh.current.controlPlane.admin}/debug/proxies`)).json()) as {
      proxies: ProxyView[];
    };
    return view.proxies.find((proxy) => proxy.nodeId === 'sidecar~frontend-1.default');
  }

  function cli(args: string[]): Promise<string> {
    return new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        [cliPath, ...args],
        { env: { ...process.env, ...cliEnv(args) } },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
  }

  it('leaves the previous config serving and is reported with its error_detail', async () => {
    const { controlPlane, frontend } = mesh.current;
    const goodVersion = (await frontendProxy())?.types.CDS?.ackedVersion;
    assert.ok(goodVersion);

    // The control plane accepts any ring size; this sidecar builds rings of at most 2^23 points.
    const dir = await mkdtemp(join(tmpdir(), 'pilotfish-nack-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(
      file,
      'apiVersion: pilotfish.dev/v1\nkind: DestinationPolicy\nmetadata: { name: backend }\nspec:\n  host: backend\n  loadBalancer: { policy: ring_hash, hashOn: { header: x-user }, minRingSize: 10000000 }\n',
    );
    await cli(['apply', '-f', file, '--control-plane', controlPlane.grpc]);
    await rm(dir, { recursive: true, force: true });
    await waitFor(async () => (await frontendProxy())?.types.CDS?.lastNack !== undefined, 'the NACK to be recorded');
    const cds = (await frontendProxy())?.types.CDS;
    assert.match(cds?.lastNack?.message ?? '', /backend\.default\.svc\.cluster\.local/);
    assert.match(cds?.lastNack?.message ?? '', /ring_hash_lb_config\.minimum_ring_size: must be in 1-8388608/);
    assert.equal(cds?.ackedVersion, goodVersion, 'the proxy still ACKs the previous version');
    assert.equal(cds?.inSync, false);

    const result = await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } });
    assert.equal(result.status, 200, 'the last good config keeps serving');
    assert.equal(servedBy(result), 'backend-1');

    const dump = (await (await fetch(`http://${frontend.admin}/config_dump`)).json()) as {
      configs: Array<{ type_url: string; version_info: string; last_nack?: { message: string } }>;
    };
    const cdsDump = dump.configs.find((config) => config.type_url.endsWith('Cluster'));
    assert.equal(cdsDump?.version_info, goodVersion);
    assert.match(cdsDump?.last_nack?.message ?? '', /minimum_ring_size/);

    const status = await cli(['status', '--control-plane-admin', controlPlane.admin]);
    // The CDS column names the version refused (the one the NACK is about), not the one kept.
    const refused = cds?.lastNack?.version ?? '';
    assert.notEqual(refused, goodVersion);
    assert.match(status, new RegExp(`sidecar~frontend-1\\.default .*NACKED ${refused.slice(0, 8)}`));
    assert.match(
      status,
      /NACKS \(the proxy kept its previous config\)\n[\s\S]*sidecar~frontend-1\.default CDS .*minimum_ring_size/,
    );

    await cli(['delete', 'destinationpolicy', 'backend', '--control-plane', controlPlane.grpc]);
    await waitFor(async () => (await frontendProxy())?.types.CDS?.inSync === true, 'the next good version to be ACKed');
    const metrics = await (await fetch(`http://${controlPlane.admin}/metrics`)).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.ok(value('pilotfish_xds_nacks_total{type="CDS"}') >= 1, 'the NACK is counted');
    assert.ok(
      value('pilotfish_xds_pushes_total{type="CDS"}') >= 3,
      'the first, the rejected and the good push are counted',
    );
    assert.ok(value('pilotfish_xds_push_to_ack_seconds_count{type="CDS"}') >= 2, 'each ACK gives a convergence sample');
  });
});
