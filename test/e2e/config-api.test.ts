// The Config API and its CLI end to end, with real processes: a control plane watching a config
// folder, a calling sidecar and two reviews instances (v1, v2). `pilotfish apply` changes routing on
// the running sidecar; a dry run and a refused change leave it as it was; get, delete and history
// show the store; rollback brings an earlier version back to the sidecar; Watch sees each change;
// and the folder stays authoritative for the documents it defines.
import type * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigClient } from '../../proto/gen/pilotfish/v1/Config.js';
import type { ConfigEvent__Output } from '../../proto/gen/pilotfish/v1/ConfigEvent.js';
import { pilotfish } from '../../proto/pilotfish.js';
import { callerCredentials, cliEnv, TEST_ADMIN } from '../support/mesh-security.js';
import { startNamedApp, type TestApp } from '../support/apps.js';
import { servedBy } from '../support/http.js';
import { REVIEWS_SUBSETS, startPolicyMesh, type PolicyMesh } from '../support/policy-mesh.js';
import { cliPath, waitFor } from '../support/processes.js';

const REVIEWS = 'reviews.default.svc.cluster.local';

/** Every request to reviews goes to `subset`; the response header names the rule (the marker). */
const route = (subset: string, marker: string, timeout = '2s') => `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews, subset: ${subset} }]
      timeout: ${timeout}
      headers:
        response: { add: { x-rule: ${marker} } }
`;

const LIMITS = `apiVersion: pilotfish.dev/v1
kind: RateLimit
metadata: { name: reviews }
spec:
  host: reviews
  limits:
    - { requests: 1000, per: 1s }
`;

type Json = Record<string, any>;

function pilotfishCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [cliPath, ...args],
      { timeout: 60_000, env: { ...process.env, ...cliEnv(args) } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('Config API and CLI', () => {
  let mesh: PolicyMesh;
  let apps: TestApp[];
  let files: string;
  let config: ConfigClient;
  const events: ConfigEvent__Output[] = [];
  let watch: grpc.ClientReadableStream<ConfigEvent__Output>;

  const cli = (...args: string[]) => pilotfishCli(...args, '--control-plane', mesh.controlPlane.grpc);
  const configDump = async () => (await fetch(`http://${mesh.client.admin}/config_dump`)).text();
  const configVersion = async () =>
    ((await (await fetch(`http://${mesh.controlPlane.admin}/debug/config`)).json()) as Json).version as number;
  const servers = async (count = 6) => {
    const names = new Set<string>();
    for (let i = 0; i < count; i++) names.add(servedBy(await mesh.request('reviews')));
    return [...names].sort();
  };

  before(async () => {
    mesh = await startPolicyMesh();
    apps = [await startNamedApp('reviews-v1'), await startNamedApp('reviews-v2')];
    await mesh.addInstance('reviews', apps[0] as TestApp, { version: 'v1' });
    await mesh.addInstance('reviews', apps[1] as TestApp, { version: 'v2' });
    await mesh.waitForEndpoints(REVIEWS, 2);
    files = await mkdtemp(join(tmpdir(), 'pilotfish-config-api-'));
    await mkdir(join(files, 'mesh'));
    await writeFile(join(files, 'mesh', 'policy.yaml'), REVIEWS_SUBSETS);
    await writeFile(join(files, 'mesh', 'route.yml'), route('v2', 'to-v2'));
    await writeFile(join(files, 'mesh', 'notes.txt'), 'not config');
    await writeFile(join(files, 'route-v1.yml'), route('v1', 'to-v1'));
    await writeFile(join(files, 'bad.yaml'), route('v1', 'never', 'soon'));
    await writeFile(join(files, 'limits.yaml'), LIMITS);
    config = new pilotfish.Config(mesh.controlPlane.grpc, callerCredentials(mesh.controlPlane.grpc));
    watch = config.Watch({});
    watch.on('data', (event: ConfigEvent__Output) => events.push(event));
    watch.on('error', () => undefined);
    await waitFor(() => events.length === 1, 'the first Watch event');
  });

  after(async () => {
    watch?.cancel();
    config?.close();
    await mesh?.stop();
    for (const app of apps ?? []) await app.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('starts a Watch with the version in force', () => {
    assert.equal(events[0]?.version, '0');
    assert.deepEqual(events[0]?.changed, []);
  });

  it('apply of a folder changes routing on a running sidecar, as one version', async () => {
    const result = await cli('apply', '-f', join(files, 'mesh'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'DestinationPolicy default/reviews created\nRoute default/reviews created\nversion 1\n',
    );
    await waitFor(async () => (await configDump()).includes('to-v2'), 'the sidecar to hold the rule to v2');
    assert.deepEqual(await servers(), ['reviews-v2']);
  });

  it('apply --dry-run reports what would change and changes nothing', async () => {
    const result = await cli('apply', '-f', join(files, 'route-v1.yml'), '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Route default/reviews updated\ndry run: nothing changed (version 1 stays in force)\n');
    // The reply comes after the store decided: a dry run that changed something would show here.
    assert.equal(await configVersion(), 1);
    assert.ok(!(await configDump()).includes('to-v1'));
    assert.deepEqual(await servers(), ['reviews-v2']);
  });

  it('refuses a bad apply with the messages pilotfish validate prints, and keeps the config in force', async () => {
    const bad = join(files, 'bad.yaml');
    const result = await cli('apply', '-f', bad);
    assert.equal(result.code, 1);
    const message = `${bad}:8: Route "reviews": spec.rules[0].timeout: "soon" is not a duration`;
    assert.ok(result.stderr.startsWith(message), result.stderr);
    assert.match(result.stderr, /\n1 error; the control plane refused the change and keeps the config in force\n$/);
    const validate = await pilotfishCli('validate', bad);
    assert.ok(validate.stderr.includes(message), validate.stderr);
    assert.equal(await configVersion(), 1);
    assert.ok((await configDump()).includes('to-v2'));
  });

  it('get shows a table of a kind, and one document as YAML or JSON', async () => {
    const table = await cli('get', 'routes');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAMESPACE\s+NAME\s+SOURCE\ndefault\s+reviews\s+api\n\(config version 1\)\n$/);
    const yaml = await cli('get', 'route', 'reviews');
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^apiVersion: pilotfish\.dev\/v1\nkind: Route\nmetadata:\n {2}name: reviews\n/);
    assert.match(yaml.stdout, /x-rule: to-v2/);
    const json = JSON.parse((await cli('get', 'Route', 'reviews', '-o', 'json')).stdout) as Json;
    assert.equal(json.spec.rules[0].timeout, '2s');
    const missing = await cli('get', 'route', 'ratings');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'pilotfish: Route "ratings" does not exist\n');
  });

  it('refuses to delete a document another depends on, naming the dependant, then deletes', async () => {
    const refused = await cli('delete', 'destinationpolicy', 'reviews');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^pilotfish: cannot delete DestinationPolicy default\/reviews; the config would not be valid without it: api: Route "reviews": spec\.rules\[0\]\.destinations\[0\]\.subset: unknown subset "v2"/,
    );
    assert.equal(await configVersion(), 1);
    await writeFile(
      join(files, 'extra.yaml'),
      LIMITS.replace('name: reviews', 'name: extra').replace('host: reviews', 'host: client'),
    );
    assert.equal((await cli('apply', '-f', join(files, 'extra.yaml'))).code, 0);
    const deleted = await cli('delete', 'ratelimit', 'extra');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'RateLimit default/extra deleted\nversion 3\n');
  });

  it('history lists every version with its author and changes, newest first', async () => {
    const result = await cli('history');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^VERSION\s+AT\s+AUTHOR\s+CHANGES$/);
    assert.match(lines[1] ?? '', /^3\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+test-admin\s+RateLimit default\/extra deleted$/);
    assert.match(
      lines[3] ?? '',
      /^1\s+\S+\s+test-admin\s+DestinationPolicy default\/reviews created, Route default\/reviews created$/,
    );
    assert.equal(lines.length, 4);
    assert.equal((await cli('history', '--limit', '1')).stdout.trimEnd().split('\n').length, 2);
  });

  it('rollback brings an earlier version back to the sidecar as a new version', async () => {
    const applied = await cli('apply', '-f', join(files, 'route-v1.yml'));
    assert.equal(applied.stdout, 'Route default/reviews updated\nversion 4\n');
    await waitFor(async () => (await configDump()).includes('to-v1'), 'the sidecar to hold the rule to v1');
    assert.deepEqual(await servers(), ['reviews-v1']);
    const result = await cli('rollback', '1');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Route default/reviews updated\nversion 5 (the documents of version 1)\n');
    await waitFor(async () => !(await configDump()).includes('to-v1'), 'the rule to v1 to leave the sidecar');
    assert.ok((await configDump()).includes('to-v2'));
    assert.deepEqual(await servers(), ['reviews-v2']);
    const unknown = await cli('rollback', '99');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'pilotfish: version 99 is not in the history (the history keeps versions 1–5)\n');
  });

  it('Watch sees every accepted change with its author', async () => {
    await waitFor(() => events.at(-1)?.version === '5', 'the Watch event of version 5');
    assert.deepEqual(
      events.map((event) => event.version),
      ['0', '1', '2', '3', '4', '5'],
    );
    assert.deepEqual(events.at(-1)?.changed, ['Route default/reviews updated']);
    // The admin token's name, whatever the CLI claims.
    assert.equal(events.at(-1)?.author, TEST_ADMIN);
  });

  it('keeps the folder authoritative for the documents it defines', async () => {
    await writeFile(join(mesh.configDir, 'limits.yaml'), LIMITS);
    await waitFor(async () => (await configVersion()) === 6, 'the folder change to be version 6');
    const history = await cli('history', '--limit', '1');
    assert.match(
      history.stdout,
      new RegExp(
        `\\n6\\s+\\S+\\s+file:${join(mesh.configDir, 'limits.yaml').replace(/[.\\/]/g, '\\$&')}\\s+RateLimit default/reviews created\\n`,
      ),
    );
    const refused = await cli('apply', '-f', join(files, 'limits.yaml'));
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /limits\.yaml:3: RateLimit "reviews": metadata\.name: is defined by the config folder in limits\.yaml; change it there/,
    );
    const deleted = await cli('delete', 'ratelimit', 'reviews');
    assert.equal(deleted.code, 1);
    assert.match(
      deleted.stderr,
      /RateLimit "reviews" is defined by the config folder in limits\.yaml; delete it there/,
    );
    assert.match((await cli('get', 'ratelimits')).stdout, /default\s+reviews\s+file:limits\.yaml/);
    assert.equal(await configVersion(), 6);
  });
});
