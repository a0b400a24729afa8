// A resource a sidecar cannot use is NACKed with a reason; the sidecar keeps serving its last good
// config, and the control plane shows the NACK in /debug/proxies and `pilotfish status`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { useTwoServiceMesh } from '../support/mesh.js';
import { httpRequest, servedBy } from '../support/http.js';
import { cliPath, waitFor } from '../support/processes.js';
import { deregister, register, registryClient } from '../support/registry-client.js';

interface ProxyView {
  nodeId: string;
  types: Record<string, { inSync: boolean; ackedVersion: string; sentVersion: string; lastNack?: { message: string; version: string } }>;
}

describe('NACKed config', () => {
  const mesh = useTwoServiceMesh();

  async function frontendProxy(): Promise<ProxyView | undefined> {
    const view = (await (await fetch(`http://${mesh.current.controlPlane.admin}/debug/proxies`)).json()) as { proxies: ProxyView[] };
    return view.proxies.find((proxy) => proxy.nodeId === 'sidecar~frontend-1.default');
  }

  it('leaves the previous config serving and is reported with its error_detail', async () => {
    const { controlPlane, frontend } = mesh.current;
    const goodVersion = (await frontendProxy())?.types.CDS?.ackedVersion;
    assert.ok(goodVersion);

    // This sidecar speaks HTTP/1.1 upstream only: a cluster that asks for HTTP/2 cannot be used.
    const registry = registryClient(controlPlane.grpc);
    const grpcService = await register(registry, {
      instance: { service: 'grpc-echo', instance_id: 'grpc-echo-1', address: '127.0.0.1', port: 9, protocol: 'grpc' },
      ttl_seconds: 30,
    });
    await waitFor(async () => (await frontendProxy())?.types.CDS?.lastNack !== undefined, 'the NACK to be recorded');
    const cds = (await frontendProxy())?.types.CDS;
    assert.match(cds?.lastNack?.message ?? '', /grpc-echo\.default\.svc\.cluster\.local/);
    assert.match(cds?.lastNack?.message ?? '', /HTTP\/2/);
    assert.equal(cds?.ackedVersion, goodVersion, 'the proxy still ACKs the previous version');
    assert.equal(cds?.inSync, false);

    const result = await httpRequest(frontend.outbound, '/', { headers: { host: 'backend' } });
    assert.equal(result.status, 200, 'the last good config keeps serving');
    assert.equal(servedBy(result), 'backend-1');
    // RDS is a separate type: its new route was accepted, but the rejected cluster was not applied.
    const grpcHost = await httpRequest(frontend.outbound, '/', { headers: { host: 'grpc-echo' } });
    assert.equal(grpcHost.status, 503);
    assert.match(grpcHost.body, /cluster "grpc-echo\.default\.svc\.cluster\.local" not found/);

    const dump = (await (await fetch(`http://${frontend.admin}/config_dump`)).json()) as {
      configs: Array<{ type_url: string; version_info: string; last_nack?: { message: string } }>;
    };
    const cdsDump = dump.configs.find((config) => config.type_url.endsWith('Cluster'));
    assert.equal(cdsDump?.version_info, goodVersion);
    assert.match(cdsDump?.last_nack?.message ?? '', /HTTP\/2/);

    const status = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cliPath, 'status', '--control-plane-admin', controlPlane.admin], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    assert.match(status, /sidecar~frontend-1\.default .*NACKED/);
    assert.match(status, /NACKS \(the proxy kept its previous config\)\n[\s\S]*sidecar~frontend-1\.default CDS .*HTTP\/2/);

    await deregister(registry, grpcService.lease_id ?? '');
    await waitFor(async () => (await frontendProxy())?.types.CDS?.inSync === true, 'the next good version to be ACKed');
    registry.close();

    const metrics = await (await fetch(`http://${controlPlane.admin}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.ok(value('pilotfish_xds_nacks_total{type="CDS"}') >= 1, 'the NACK is counted');
    assert.ok(value('pilotfish_xds_pushes_total{type="CDS"}') >= 3, 'the first, the rejected and the good push are counted');
    assert.ok(value('pilotfish_xds_push_to_ack_seconds_count{type="CDS"}') >= 2, 'each ACK gives a convergence sample');
  });
});
