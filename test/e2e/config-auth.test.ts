// Config reads and writes on an authenticated control plane, with the real CLI: they need an
// operator's admin token, and the history names the token's operator as the author.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startControlPlane, type ControlPlaneProcess } from '../support/processes.js';
import { createToken } from '../support/tokens.js';

const LIMITS = `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: reviews }
spec:
  host: reviews
  limits:
    - { requests: 1000, per: 1s }
`;

describe('config API authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-config-auth-'));
  const stateDir = join(dir, 'state');
  const limits = join(dir, 'limits.yaml');
  const aliceToken = join(dir, 'alice.token');
  let controlPlane: ControlPlaneProcess;
  let connection: string[];

  before(async () => {
    writeFileSync(limits, LIMITS);
    writeFileSync(aliceToken, await createToken(stateDir, ['--admin', 'alice']), { mode: 0o600 });
    controlPlane = await startControlPlane(['--state-dir', stateDir]);
    connection = ['--control-plane', controlPlane.grpc, '--ca-file', controlPlane.caFile as string];
  });
  after(async () => {
    await controlPlane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies with an admin token, and the history's author is the token's operator", async () => {
    const applied = await runCli(['apply', '-f', limits, ...connection, '--token-file', aliceToken]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'RateLimit default/reviews created\nversion 1\n');
    const history = await runCli(['history', ...connection, '--token-file', aliceToken]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout.split('\n')[1] ?? '', /^1\s+\S+\s+alice\s+RateLimit default\/reviews created$/);
  });

  it('takes the token from PILOTFISH_TOKEN and PILOTFISH_CA_FILE too', async () => {
    const token = await createToken(stateDir, ['--admin', 'bob']);
    const env = { PILOTFISH_TOKEN: token, PILOTFISH_CA_FILE: controlPlane.caFile as string };
    const deleted = await runCli(['delete', 'ratelimit', 'reviews', '--control-plane', controlPlane.grpc], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const history = await runCli(['history', '--limit', '1', '--control-plane', controlPlane.grpc], env);
    assert.match(history.stdout.split('\n')[1] ?? '', /^2\s+\S+\s+bob\s+RateLimit default\/reviews deleted$/);
  });

  for (const [what, args] of [
    ['apply', ['apply', '-f', limits]],
    ['get', ['get', 'ratelimits']],
    ['history', ['history']],
    ['rollback', ['rollback', '1']],
  ] as const)
    it(`refuses ${what} without an admin token, saying how to get one (UNAUTHENTICATED)`, async () => {
      const refused = await runCli([...args, ...connection]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /config reads and changes need an operator's admin token: make one with "pilotfish token create --admin <name>/,
      );
    });

  it("refuses a workload's token (PERMISSION_DENIED) and another state dir's admin token", async () => {
    const workload = join(dir, 'backend.token');
    writeFileSync(workload, await createToken(stateDir, ['--service', 'backend']), { mode: 0o600 });
    const refused = await runCli(['get', 'ratelimits', ...connection, '--token-file', workload]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /spiffe:\/\/cluster.local\/ns\/default\/sa\/backend is a workload: config reads and changes need an operator's admin token/,
    );
    const foreign = join(dir, 'foreign.token');
    writeFileSync(foreign, await createToken(join(dir, 'other-state'), ['--admin', 'mallory']), { mode: 0o600 });
    const forged = await runCli(['apply', '-f', limits, ...connection, '--token-file', foreign]);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /admin token: signed by another key/);
  });

  it('never sends a token in plaintext, and has no --author to claim a name with', async () => {
    const plaintext = await runCli(['history', '--control-plane', controlPlane.grpc, '--token-file', aliceToken]);
    assert.equal(plaintext.code, 1);
    assert.match(plaintext.stderr, /an admin token is never sent in plaintext: give --ca-file/);
    const claimed = await runCli([
      'apply',
      '-f',
      limits,
      ...connection,
      '--token-file',
      aliceToken,
      '--author',
      'root',
    ]);
    assert.equal(claimed.code, 1);
    assert.match(claimed.stderr, /unknown option '--author'/);
  });
});
