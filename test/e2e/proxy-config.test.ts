// `pilotfish proxy-config` against a running sidecar: what it holds, as tables a user reads.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startNamedApp } from '../support/apps.js';
import { onBadPort } from '../support/bad-port.js';
import { useTwoServiceMesh } from '../support/mesh.js';
import { runCli as pilotfish, startCli, waitFor, type RunningProcess } from '../support/processes.js';

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

  describe('against a sidecar whose admin listener is on a port fetch refuses', () => {
    let sidecar: RunningProcess | undefined;
    after(() => sidecar?.stop());

    it('lists its clusters all the same', async () => {
      const app = await startNamedApp('frontend-2');
      mesh.current.apps.push(app);
      const admin = await onBadPort(async (port) => {
        const [running, record] = await startCli(
          [
            'sidecar',
            '--service',
            'frontend',
            '--instance-id',
            'frontend-2',
            '--app-port',
            String(app.port),
            '--control-plane',
            mesh.current.controlPlane.grpc,
            '--inbound-listen',
            '127.0.0.1:0',
            '--outbound-listen',
            '127.0.0.1:0',
            '--admin-listen',
            `127.0.0.1:${port}`,
          ],
          'sidecar listening',
        );
        sidecar = running;
        return String(record.admin);
      });
      await waitFor(async () => {
        const { code, stdout } = await pilotfish(['proxy-config', admin, 'clusters']);
        return code === 0 && new RegExp(`^${backend}\\s+EDS\\b`, 'm').test(stdout);
      }, `proxy-config ${admin} clusters lists ${backend}`);
    });
  });
});
