import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startCli, startControlPlane, type RunningProcess } from '../support/processes.js';
import { createToken } from '../support/tokens.js';

describe('sidecar workload certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-identity-sidecar-'));
  const running: RunningProcess[] = [];
  after(async () => {
    for (const process of running.reverse()) await process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets a certificate for its token's identity, whatever its own flags say, and the control plane logs the issue", async () => {
    const stateDir = join(dir, 'state');
    const token = await createToken(stateDir, [
      '--service',
      'backend',
      '--namespace',
      'shop',
      '--service-account',
      'backend-sa',
    ]);
    const tokenFile = join(dir, 'backend.token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const controlPlane = await startControlPlane(['--state-dir', stateDir]);
    running.push(controlPlane);
    const [sidecar, issued] = await startCli(
      [
        'sidecar',
        '--service',
        'backend',
        '--namespace',
        'default',
        '--app-port',
        '9',
        '--control-plane',
        controlPlane.grpc,
        '--token-file',
        tokenFile,
        '--ca-file',
        controlPlane.caFile as string,
        '--inbound-listen',
        '127.0.0.1:0',
        '--outbound-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
      ],
      'workload certificate issued',
      [],
      30_000,
    );
    running.push(sidecar);
    assert.equal(issued.spiffeId, 'spiffe://cluster.local/ns/shop/sa/backend-sa');
    const hoursLeft = (Date.parse(String(issued.notAfter)) - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 23 && hoursLeft <= 24, `valid about 24 h: ${String(issued.notAfter)}`);
    assert.match(
      controlPlane.logs(),
      /"spiffeId":"spiffe:\/\/cluster.local\/ns\/shop\/sa\/backend-sa".*"authenticatedBy":"bootstrap token".*"msg":"certificate issued"/,
    );
  });
});
