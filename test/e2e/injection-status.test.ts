// An injected pod's rewritten probes keep working: the probe env the injector writes, given to a real
// `pilotfish sidecar --status-listen`, answers kubelet's GETs with the real app's health.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { defaultInjectionSettings } from '../../control-plane/src/injection/injection-settings.js';
import { injectPod } from '../../control-plane/src/injection/pod-injection.js';
import { startApp, type TestApp } from '../support/apps.js';
import {
  startCli,
  startControlPlane,
  waitFor,
  type ControlPlaneProcess,
  type RunningProcess,
} from '../support/processes.js';

describe('probes of an injected pod through the sidecar status listener', () => {
  let controlPlane: ControlPlaneProcess;
  let app: TestApp;
  let sidecar: RunningProcess;
  let status: string;
  let isAppReady = true;

  before(async () => {
    controlPlane = await startControlPlane();
    app = await startApp((req, res) => {
      const healthy = req.url !== '/ready' || isAppReady;
      res.writeHead(healthy ? 200 : 503).end();
    });
    const pod: IPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'example/web',
            ports: [{ name: 'http', containerPort: app.port }],
            livenessProbe: { tcpSocket: { port: 'http' } },
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
          },
        ],
      },
    };
    const result = injectPod(pod, defaultInjectionSettings);
    assert.ok(result.isInjected);
    const proxy = result.pod.spec?.initContainers?.find((container) => container.name === 'pilotfish-proxy');
    const probes = proxy?.env?.find((env) => env.name === 'PILOTFISH_APP_PROBES')?.value ?? '';
    let record: Record<string, unknown>;
    [sidecar, record] = await startCli(
      [
        'sidecar',
        '--service',
        'web',
        '--app-port',
        String(app.port),
        '--control-plane',
        controlPlane.grpc,
        '--inbound-listen',
        '127.0.0.1:0',
        '--outbound-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
        '--status-listen',
        '127.0.0.1:0',
      ],
      'sidecar listening',
      [],
      undefined,
      { PILOTFISH_APP_PROBES: probes },
    );
    status = String(record.status);
  });

  after(async () => {
    await sidecar?.stop();
    await app?.close();
    await controlPlane?.stop();
  });

  const get = async (path: string) => (await fetch(`http://${status}${path}`)).status;

  it('reports the sidecar ready once it has config', async () => {
    await waitFor(async () => (await get('/healthz/ready')) === 200, 'status /healthz/ready');
  });

  it("answers the rewritten readiness and liveness probes with the app's own health", async () => {
    assert.equal(await get('/app-health/web/readyz'), 200);
    assert.equal(await get('/app-health/web/livez'), 200);
    isAppReady = false;
    assert.equal(await get('/app-health/web/readyz'), 503);
    assert.equal(await get('/app-health/web/livez'), 200);
  });
});
