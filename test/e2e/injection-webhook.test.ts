// The injection webhook as the API server meets it (a real control plane, HTTPS, AdmissionReview v1),
// and `pilotfish inject -f` on a multi-document file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { makeCertificate, opensslMissing } from '../support/certificates.js';
import { goldenDir } from '../support/golden.js';
import { runCli, startCli, type RunningProcess } from '../support/processes.js';

interface Reply {
  status: number;
  body: string;
}

const skip = opensslMissing();

describe('sidecar injection webhook', { skip }, () => {
  let dir: string;
  let controlPlane: RunningProcess;
  let address: string;
  let ca: Buffer;

  const post = (path: string, body: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const [host, port] = address.split(':');
      const req = request(
        {
          host,
          port,
          path,
          method: 'POST',
          ca,
          servername: 'localhost',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject).end(body);
    });

  const review = (kind: string, object: unknown, group = '') =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `uid-${kind}`,
        kind: { group, version: 'v1', kind },
        namespace: 'shop',
        operation: 'CREATE',
        object,
      },
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pilotfish-webhook-'));
    const { certificateFile, keyFile } = makeCertificate(dir, 'webhook', 'localhost');
    ca = readFileSync(certificateFile);
    let record: Record<string, unknown>;
    [controlPlane, record] = await startCli(
      [
        'control-plane',
        '--grpc-listen',
        '127.0.0.1:0',
        '--admin-listen',
        '127.0.0.1:0',
        '--webhook-listen',
        '127.0.0.1:0',
        '--webhook-cert',
        certificateFile,
        '--webhook-key',
        keyFile,
      ],
      'injection webhook listening',
    );
    address = String(record.webhook);
  });

  after(async () => {
    await controlPlane?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a Pod review with its uid and a JSONPatch that adds the sidecar', async () => {
    const pod = parse(readFileSync(join(goldenDir, 'inject', 'pod-http-probes.in.yaml'), 'utf8')) as unknown;
    const reply = await post('/inject', review('Pod', pod));
    assert.equal(reply.status, 200, reply.body);
    const { response } = JSON.parse(reply.body) as {
      response: { uid: string; allowed: boolean; patchType: string; patch: string };
    };
    assert.equal(response.uid, 'uid-Pod');
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString()) as Array<{
      path: string;
      value?: unknown;
    }>;
    assert.ok(
      patch.some((op) => JSON.stringify(op.value ?? '').includes('"name":"pilotfish-proxy"')),
      JSON.stringify(patch),
    );
  });

  it('admits what it will not inject unchanged, with a warning that says why', async () => {
    const deployment = { metadata: { name: 'web' }, spec: {} };
    const reply = await post('/inject', review('Deployment', deployment, 'apps'));
    assert.equal(reply.status, 200, reply.body);
    const { response } = JSON.parse(reply.body) as {
      response: { uid: string; allowed: boolean; patch?: string; warnings: string[] };
    };
    assert.deepEqual(response, {
      uid: 'uid-Deployment',
      allowed: true,
      warnings: ['pilotfish: sidecar not injected: the webhook injects Pods, not apps/Deployment'],
    });
    const invalid = await post(
      '/inject',
      review('Pod', { metadata: { name: 'x' }, spec: { containers: [{ image: 'y' }] } }),
    );
    assert.match(
      invalid.body,
      /the pod fails the Kubernetes schema: spec\/containers\/0 must have required property name/,
    );
  });

  it('refuses what is not an AdmissionReview with 400 and the reason, and keeps serving', async () => {
    const notJson = await post('/inject', '{not json');
    assert.equal(notJson.status, 400);
    // The parser's own words follow; V8 words them differently from one Node.js line to the next.
    assert.match(notJson.body, /^not an AdmissionReview v1: the body is not JSON \(.*position 1\b.*\)\n$/);
    const wrongKind = await post('/inject', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }));
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.body, /^not an AdmissionReview v1: apiVersion: /);
    const noUid = await post(
      '/inject',
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { kind: { kind: 'Pod' } },
      }),
    );
    assert.match(noUid.body, /^not an AdmissionReview v1: request\.uid: /);
    assert.equal((await post('/inject', review('Pod', { spec: { containers: [{ name: 'a' }] } }))).status, 200);
  });
});

describe('pilotfish inject -f', () => {
  it('injects every workload of a multi-document file and passes other kinds through', async () => {
    const { code, stdout, stderr } = await runCli(['inject', '-f', join(goldenDir, 'inject', 'workloads.in.yaml')]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, readFileSync(join(goldenDir, 'inject', 'workloads.out.yaml'), 'utf8'));
  });

  it('names the file, document and annotation of a pod it leaves alone', async () => {
    const file = join(goldenDir, 'inject', 'pod-bad-annotation.in.yaml');
    const { code, stderr } = await runCli(['inject', '-f', file]);
    assert.equal(code, 0);
    assert.equal(
      stderr,
      `note: ${file}: document 1 (Pod typo): sidecar not injected: annotation traffic.pilotfish.dev/excludeOutboundPorts: "5432,postgres" is not a comma-separated list of ports (1–65535)\n`,
    );
  });
});
