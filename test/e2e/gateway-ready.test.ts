// A gateway's readiness end to end: a real control plane watching a config folder and a real
// gateway process. /ready stays 503, saying why, while no Gateway document exists, and turns 200
// once one is applied and its server is bound; the gateway's default admin port is not a sidecar's.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { gatewayCommand } from '../../cli/commands/gateway.js';
import { sidecarCommand } from '../../cli/commands/sidecar.js';
import {
  startCli,
  startControlPlane,
  waitFor,
  type ControlPlaneProcess,
  type RunningProcess,
} from '../support/processes.js';

const GATEWAY = `apiVersion: pilotfish.dev/v1
kind: Gateway
metadata: { name: edge }
spec:
  servers:
    - { port: 80, protocol: HTTP, hosts: [shop.example.com] }
`;

describe('gateway readiness', () => {
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  let gateway: RunningProcess;
  let admin: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-gateway-ready-'));
    controlPlane = await startControlPlane(['--config-dir', dir]);
    const [running, record] = await startCli(
      [
        'gateway',
        ...['--gateway', 'default/edge', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'],
        ...['--control-plane', controlPlane.grpc],
      ],
      'gateway started',
    );
    gateway = running;
    admin = String(record.admin);
  });

  after(async () => {
    await gateway?.stop();
    await controlPlane?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /ready with 503 naming the missing Gateway document, then 200 once its server is bound', async () => {
    let answer = { status: 0, body: '' };
    await waitFor(async () => {
      const res = await fetch(`http://${admin}/ready`);
      answer = { status: res.status, body: await res.text() };
      return answer.body.includes('no Gateway document');
    }, 'the gateway to have its config and say no Gateway document exists');
    assert.deepEqual(answer, {
      status: 503,
      body: "PRE_INITIALIZING: no Gateway document default/edge with servers in the control plane's config\n",
    });
    await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
    await waitFor(async () => (await fetch(`http://${admin}/ready`)).status === 200, 'the gateway ready');
    const { listeners } = (await (await fetch(`http://${admin}/listeners`)).json()) as { listeners: unknown[] };
    assert.equal(listeners.length, 1);
  });

  it("defaults its admin listener to 127.0.0.1:15020, not the sidecar's 127.0.0.1:15000", async () => {
    const admin = (command: Command) => command.options.find((option) => option.long === '--admin-listen');
    assert.equal(admin(gatewayCommand())?.defaultValue, '127.0.0.1:15020');
    assert.equal(admin(sidecarCommand())?.defaultValue, '127.0.0.1:15000');
  });
});
