// Dialling the control plane by IP address: the sidecar and the CLI never send the address as TLS
// server name (Node's DEP0123 warning on stderr), and still refuse a control plane whose certificate
// does not hold the address they dialled (reached here through a relay on another loopback address).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { securityOf, workloadTokenFile } from '../support/mesh-security.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import {
  runCli,
  startCli,
  startControlPlane,
  startSidecar,
  waitFor,
  type ControlPlaneProcess,
  type RunningProcess,
} from '../support/processes.js';

// Loopback, but not an address the control plane's certificate holds (it holds 127.0.0.1 and ::1).
const OTHER_LOOPBACK = '127.0.0.3';

describe('the control plane dialled by IP address', () => {
  let controlPlane: ControlPlaneProcess;
  let relay: TcpRelay;
  const running: RunningProcess[] = [];

  before(async () => {
    controlPlane = await startControlPlane();
    relay = await startTcpRelay({ host: '127.0.0.1', port: Number(controlPlane.grpc.split(':')[1]) }, OTHER_LOOPBACK);
  });

  after(async () => {
    for (const process of running) await process.stop();
    await relay?.close();
    await controlPlane?.stop();
  });

  it('gets a sidecar its certificate and config with no DEP0123 warning on its stderr', async () => {
    const sidecar = await startSidecar({ service: 'named', appPort: 9, controlPlane: controlPlane.grpc });
    running.push(sidecar);
    assert.match(sidecar.logs(), /"msg":"workload certificate issued"/);
    assert.doesNotMatch(sidecar.logs(), /DEP0123|TLS ServerName to an IP address/);
  });

  it('answers the CLI with no DEP0123 warning on its stderr', async () => {
    const result = await runCli(['history', '--control-plane', controlPlane.grpc]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /DEP0123|TLS ServerName to an IP address/);
  });

  it('refuses a control plane whose certificate does not hold the dialled address, saying which address', async () => {
    const security = securityOf(controlPlane.grpc);
    assert.ok(security);
    const { address } = relay;
    const [sidecar] = await startCli(
      [
        'sidecar',
        '--service',
        'misdialled',
        '--app-port',
        '9',
        '--control-plane',
        address,
        '--token-file',
        workloadTokenFile(security, 'misdialled'),
        '--ca-file',
        security.caFile,
        '--inbound-listen',
        '127.0.0.1:0',
        '--outbound-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
      ],
      'sidecar listening',
    );
    running.push(sidecar);
    const refusal = `IP: ${OTHER_LOOPBACK} is not in the cert's list`;
    await waitFor(() => sidecar.logs().includes(refusal), 'the sidecar to refuse the control plane');
    assert.doesNotMatch(sidecar.logs(), /workload certificate issued|DEP0123/);

    const env = { PILOTFISH_CA_FILE: security.caFile, PILOTFISH_TOKEN: security.adminToken };
    const cli = await runCli(['history', '--control-plane', address], env);
    assert.notEqual(cli.code, 0);
    assert.ok(cli.stderr.includes(refusal), cli.stderr);
  });
});
