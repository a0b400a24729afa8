// The pilotfish command as a user meets it: help on every command, and clear refusals of bad
// arguments that name the option.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { cliPath } from '../support/processes.js';

function pilotfish(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cliPath, ...args], { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('pilotfish CLI', () => {
  it('lists its commands', async () => {
    const { code, stdout } = await pilotfish(['--help']);
    assert.equal(code, 0);
    for (const command of ['control-plane', 'sidecar', 'status', 'proxy-config', 'demo']) assert.match(stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  const helps: Array<[string, string[]]> = [
    ['control-plane', ['--grpc-listen', '--admin-listen', '--debounce-ms', '--default-ttl']],
    ['sidecar', ['--service', '--app-port', '--control-plane', '--inbound-listen', '--outbound-listen', '--admin-listen', '--namespace', '--labels', '--instance-id', '--lease-ttl', '--drain-timeout']],
    ['status', ['--control-plane-admin', '--json']],
    ['demo', ['--rate', '--duration']],
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
    ['an app port out of range', ['sidecar', '--service', 'a', '--app-port', '70000'], /--app-port.*"70000" is not a port \(1–65535\)/],
    ['labels that are not key=value', ['sidecar', '--service', 'a', '--app-port', '80', '--labels', 'version'], /--labels.*"version" is not key=value/],
    ['a listen address without a port', ['control-plane', '--grpc-listen', 'localhost'], /--grpc-listen: "localhost" is not HOST:PORT/],
    ['a proxy-config against nothing', ['proxy-config', '127.0.0.1:1', 'routes'], /cannot reach the sidecar admin at http:\/\/127\.0\.0\.1:1\/config_dump/],
    ['a status against nothing', ['status', '--control-plane-admin', '127.0.0.1:1'], /cannot reach the control plane admin at http:\/\/127\.0\.0\.1:1\/debug\/registry/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}, naming it`, async () => {
      const { code, stderr } = await pilotfish(args);
      assert.notEqual(code, 0);
      assert.match(stderr, message);
    });
  }
});
