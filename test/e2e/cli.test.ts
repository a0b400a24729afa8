// The pilotfish command as a user meets it: help on every command, and clear refusals of bad
// arguments that name the option.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { KINDS } from '../../control-plane/src/config/config-documents.js';
import { onBadPort } from '../support/bad-port.js';
import { cliPath, startControlPlane, type ControlPlaneProcess } from '../support/processes.js';

function pilotfish(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cliPath, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('pilotfish CLI', () => {
  it('lists its commands', async () => {
    const { code, stdout } = await pilotfish(['--help']);
    assert.equal(code, 0);
    for (const command of [
      'control-plane',
      'sidecar',
      'status',
      'proxy-config',
      'demo',
      'apply',
      'get',
      'delete',
      'history',
      'rollback',
    ])
      assert.match(stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('names every config kind in the command list and in validate --help', async () => {
    for (const args of [['--help'], ['validate', '--help']]) {
      const { code, stdout } = await pilotfish(args);
      assert.equal(code, 0);
      for (const kind of KINDS) assert.match(stdout, new RegExp(`\\b${kind}\\b`), `${args.join(' ')} names ${kind}`);
    }
  });

  const adminEndpoints: Array<[string, string[]]> = [
    ['sidecar', ['/ready', '/config_dump', '/clusters', '/stats/prometheus', '/v1/config', '/quitquitquit']],
    ['control-plane', ['/ready', '/metrics', '/debug/registry', '/debug/config', '/debug/proxies', '/debug/snapshots']],
  ];
  for (const [command, endpoints] of adminEndpoints) {
    it(`names every admin endpoint in ${command} --help`, async () => {
      const { stdout } = await pilotfish([command, '--help']);
      const help = stdout.slice(stdout.indexOf('--admin-listen')).replace(/\s+/g, ' ');
      for (const endpoint of endpoints) assert.ok(help.includes(endpoint), `--admin-listen help names ${endpoint}`);
    });
  }

  const helps: Array<[string, string[]]> = [
    ['control-plane', ['--grpc-listen', '--admin-listen', '--debounce-ms', '--default-ttl']],
    [
      'sidecar',
      [
        '--service',
        '--app-port',
        '--control-plane',
        '--inbound-listen',
        '--outbound-listen',
        '--admin-listen',
        '--namespace',
        '--labels',
        '--instance-id',
        '--lease-ttl',
        '--drain-timeout',
      ],
    ],
    ['status', ['--control-plane-admin', '--json']],
    ['demo', ['--rate', '--duration']],
    ['apply', ['--filename', '--dry-run', '--control-plane', '--ca-file', '--token-file']],
    ['get', ['--namespace', '--output', '--control-plane', '--ca-file', '--token-file']],
    ['delete', ['--namespace', '--control-plane', '--ca-file', '--token-file']],
    ['history', ['--limit', '--json', '--control-plane', '--ca-file', '--token-file']],
    ['rollback', ['--control-plane', '--ca-file', '--token-file']],
  ];
  for (const [command, options] of helps) {
    it(`explains ${command} --help`, async () => {
      const { code, stdout } = await pilotfish([command, '--help']);
      assert.equal(code, 0);
      for (const option of options) assert.ok(stdout.includes(option), `${command} --help mentions ${option}`);
    });
  }

  const refusals: Array<[string, string[], RegExp]> = [
    ['a missing --service', ['sidecar', '--app-port', '8080'], /required option '--service <name>' not specified/],
    [
      'a typo in a required flag as the unknown flag it is',
      ['sidecar', '--servce', 'a', '--app-port', '8080'],
      /^error: unknown option '--servce'\n\(Did you mean --service\?\)/,
    ],
    [
      'an app port out of range',
      ['sidecar', '--service', 'a', '--app-port', '70000'],
      /--app-port.*"70000" is not a port \(1–65535\)/,
    ],
    [
      'labels that are not key=value',
      ['sidecar', '--service', 'a', '--app-port', '80', '--labels', 'version'],
      /--labels.*"version" is not key=value/,
    ],
    [
      'a listen address without a port',
      ['control-plane', '--grpc-listen', 'localhost'],
      /--grpc-listen: "localhost" is not HOST:PORT/,
    ],
    [
      'a proxy-config against nothing',
      ['proxy-config', '127.0.0.1:1', 'routes'],
      /cannot reach the sidecar admin at http:\/\/127\.0\.0\.1:1\/config_dump/,
    ],
    ['an apply without a file', ['apply'], /required option '-f, --filename <file\|dir>' not specified/],
    [
      'an apply of a file that does not exist',
      ['apply', '-f', '/nonexistent/mesh.yaml'],
      /^pilotfish: cannot read \/nonexistent\/mesh\.yaml: ENOENT/,
    ],
    [
      'a kind it does not know',
      ['get', 'virtualservices'],
      /"virtualservices" is not a kind this control plane knows \(Route, DestinationPolicy/,
    ],
    [
      'a rollback to a version that is not a number',
      ['rollback', 'last'],
      /"last" is not a version \(a positive integer\)/,
    ],
    [
      'a history against nothing',
      ['history', '--control-plane', '127.0.0.1:1'],
      /^pilotfish: cannot reach the control plane at 127\.0\.0\.1:1: .*ECONNREFUSED/,
    ],
    [
      'a status against nothing',
      ['status', '--control-plane-admin', '127.0.0.1:1'],
      /^pilotfish: cannot reach the control plane admin at http:\/\/127\.0\.0\.1:1\/debug\/\w+: .*ECONNREFUSED/,
    ],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}, naming it`, async () => {
      const { code, stderr } = await pilotfish(args);
      assert.notEqual(code, 0);
      assert.match(stderr, message);
    });
  }

  describe('status against an admin listener on a port fetch refuses', () => {
    let controlPlane: ControlPlaneProcess | undefined;
    after(() => controlPlane?.stop());

    it('shows the registry all the same', async () => {
      controlPlane = await onBadPort((port) => startControlPlane(['--admin-listen', `127.0.0.1:${port}`]));
      const { code, stdout, stderr } = await pilotfish(['status', '--control-plane-admin', controlPlane.admin]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^SERVICES \(registry revision \d+\)$/m);
    });
  });
});
