// `pilotfish proxy-config` against a running sidecar: what it holds, as tables a user reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTwoServiceMesh } from '../support/mesh.js';
import { runCli as pilotfish } from '../support/processes.js';

describe('pilotfish proxy-config', () => {
  const mesh = useTwoServiceMesh();
  const backend = 'backend.default.svc.cluster.local';

  it('lists the listeners with their route source and filters', async () => {
    const { code, stdout } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'listeners']);
    assert.equal(code, 0);
    assert.match(stdout, /^NAME\s+ADDRESS\s+ROUTES\s+HTTP FILTERS\s+TLS$/m);
    assert.match(stdout, /^outbound\s+0\.0\.0\.0:15001\s+outbound\s+router\s+-$/m);
  });

  it('lists the routes by virtual host with match and destination', async () => {
    const { stdout } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'routes']);
    assert.match(stdout, new RegExp(`^outbound\\s+${backend}\\s+prefix /\\s+${backend}\\s+-$`, 'm'));
  });

  it('lists the clusters with their load balancer', async () => {
    const { stdout } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'clusters']);
    assert.match(stdout, new RegExp(`^${backend}\\s+EDS\\s+ROUND_ROBIN\\s+-\\s+-\\s+-$`, 'm'));
  });

  it('lists the endpoints with their live health and counters', async () => {
    const { stdout } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'endpoints']);
    assert.match(
      stdout,
      new RegExp(
        `^${backend}\\s+${mesh.current.backend.inbound.replaceAll('.', '\\.')}\\s+backend-1\\s+healthy\\s+\\d+\\s+\\d+$`,
        'm',
      ),
    );
  });

  it('prints the resources as JSON with --json', async () => {
    const { stdout } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'clusters', '--json']);
    const clusters = JSON.parse(stdout) as Array<{ name: string }>;
    assert.ok(clusters.some((cluster) => cluster.name === backend));
  });

  it('refuses an unknown kind, naming the ones it knows', async () => {
    const { code, stderr } = await pilotfish(['proxy-config', mesh.current.frontend.admin, 'secrets']);
    assert.equal(code, 1);
    assert.match(stderr, /unknown kind "secrets": expected one of listeners, routes, clusters, endpoints/);
  });
});
