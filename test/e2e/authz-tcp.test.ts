// Authorization of a TCP service end to end: an AuthorizationPolicy selecting it reaches its
// sidecar as network RBAC on its inbound listener; a connection the policy does not allow is closed
// before any byte reaches the app, and counted with the RBAC_ACCESS_DENIED flag. Principals are the
// caller's verified SPIFFE ID (TCP between sidecars is mutual TLS): authz-principals.test.ts.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sample, scrape } from '../support/metrics.js';
import { startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { waitFor, type SidecarProcess } from '../support/processes.js';
import { plaintextPing, startTcpEchoService, type TcpEchoService } from '../support/tcp-echo-service.js';

describe('authorization of a TCP service', () => {
  let mesh: PolicyMesh;
  let service: TcpEchoService;
  let vault: SidecarProcess;
  let port: number;
  let received: string[];
  const ping = () => plaintextPing(`127.0.0.1:${port}`);

  before(async () => {
    mesh = await startPolicyMesh();
    service = await startTcpEchoService(mesh, 'vault');
    ({ sidecar: vault, port, received } = service);
  });

  after(async () => {
    await service?.stop();
    await mesh?.stop();
  });

  async function applyPolicy(name: string, spec: string): Promise<void> {
    await writeFile(
      join(mesh.configDir, 'policy.yaml'),
      `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: ${name} }\nspec:\n  selector: { matchLabels: { app: vault } }\n${spec}`,
    );
    await waitFor(
      async () => (await (await fetch(`http://${vault.admin}/config_dump`)).text()).includes(`policy[${name}]`),
      `the vault sidecar to hold AuthorizationPolicy ${name}`,
    );
  }

  it('passes connections without a policy', async () => {
    assert.equal(await ping(), 'vault: ping');
  });

  it('closes a connection from a principal no ALLOW rule names, before the app sees a byte', async () => {
    await applyPolicy(
      'others-only',
      '  rules: [{ from: [{ source: { principals: [cluster.local/ns/default/sa/other] } }] }]\n',
    );
    const seen = received.length;
    assert.equal(await ping(), 'closed');
    assert.equal(received.length, seen);
    const denied = { reporter: 'destination', response_flags: 'RBAC_ACCESS_DENIED' };
    assert.equal(sample(await scrape(vault.admin), 'istio_tcp_connections_opened_total', denied), 1);
  });

  it('closes connections to a port a DENY rule names', async () => {
    await applyPolicy(
      'no-port',
      `  action: DENY\n  rules: [{ to: [{ operation: { ports: ["${vaultInboundPort()}"] } }] }]\n`,
    );
    assert.equal(await ping(), 'closed');
  });

  function vaultInboundPort(): number {
    return Number(vault.inbound.split(':').at(-1));
  }
});
