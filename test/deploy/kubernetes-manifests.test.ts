import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../proto/paths.js';
import { makeCertificate, opensslMissing } from '../support/certificates.js';
import { runCli } from '../support/processes.js';

type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

// kubernetes-models validates each object against the Kubernetes OpenAPI schema of its kind.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  ClusterRole,
  ClusterRoleBinding,
  Secret,
  Deployment,
  Service,
  PodDisruptionBudget,
  MutatingWebhookConfiguration,
};

function parse(text: string): Manifest[] {
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

function validate(manifests: Manifest[]): void {
  for (const manifest of manifests) {
    const Model = MODELS[manifest.kind];
    assert.ok(Model, `no schema for ${manifest.kind}`);
    assert.doesNotThrow(() => new Model(manifest as never).validate(), `${manifest.kind} ${manifest.metadata.name}`);
  }
}

async function manifests(args: string[]): Promise<Manifest[]> {
  const { code, stdout, stderr } = await runCli(['manifests', ...args]);
  assert.equal(code, 0, stderr);
  return parse(stdout);
}

function byKind<T = Manifest>(list: Manifest[], kind: string): T {
  const found = list.find((manifest) => manifest.kind === kind);
  assert.ok(found, `no ${kind}`);
  return found as unknown as T;
}

describe('pilotfish manifests', () => {
  it('deploy/kubernetes/pilotfish.yaml is what `pilotfish manifests --cert-manager` prints, and every object validates', async () => {
    const { stdout } = await runCli(['manifests', '--cert-manager']);
    const committed = readFileSync(join(packageRoot, 'deploy', 'kubernetes', 'pilotfish.yaml'), 'utf8');
    assert.equal(
      committed,
      stdout,
      'run: node dist/cli/main.js manifests --cert-manager > deploy/kubernetes/pilotfish.yaml',
    );
    const objects = parse(committed);
    validate(objects);
    assert.equal(objects.filter((object) => object.kind === 'Secret').length, 0, 'cert-manager writes the Secret');
    const webhook = byKind<{ metadata: { annotations?: object } }>(objects, 'MutatingWebhookConfiguration');
    assert.deepEqual(webhook.metadata.annotations, {
      'cert-manager.io/inject-ca-from': 'pilotfish-system/pilotfish-webhook',
    });
  });

  it('grants the control plane list and watch on services, pods and endpointslices, and nothing else', async () => {
    const role = byKind<{ rules: object[] }>(await manifests(['--cert-manager']), 'ClusterRole');
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['services', 'pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
  });

  it('puts everything in the namespace asked for, with the replicas asked for, and points the webhook at it', async () => {
    const objects = await manifests(['--cert-manager', '--namespace', 'mesh', '--replicas', '3']);
    validate(objects);
    assert.deepEqual(
      objects.map((object) => `${object.kind} ${object.metadata.namespace ?? '-'}`),
      [
        'Namespace -',
        'ServiceAccount mesh',
        'ClusterRole -',
        'ClusterRoleBinding -',
        'Deployment mesh',
        'Service mesh',
        'PodDisruptionBudget mesh',
        'MutatingWebhookConfiguration -',
      ],
    );
    assert.equal(byKind(objects, 'Namespace').metadata.name, 'mesh');
    assert.equal(byKind<{ spec: { replicas: number } }>(objects, 'Deployment').spec.replicas, 3);
    const [hook] = byKind<{ webhooks: Record<string, unknown>[] }>(objects, 'MutatingWebhookConfiguration').webhooks;
    assert.deepEqual(hook?.clientConfig, {
      service: { name: 'pilotfish-control-plane', namespace: 'mesh', path: '/inject', port: 15017 },
    });
    assert.deepEqual(hook?.namespaceSelector, { matchLabels: { 'pilotfish-injection': 'enabled' } });
  });

  it(
    'makes a serving certificate for the webhook Service that its caBundle verifies',
    { skip: opensslMissing() },
    async () => {
      const objects = await manifests([]);
      validate(objects);
      const secret = byKind<{ data: Record<string, string> }>(objects, 'Secret');
      const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();
      const leaf = new X509Certificate(decode(secret.data['tls.crt']));
      const [hook] = byKind<{ webhooks: { clientConfig: { caBundle: string } }[] }>(
        objects,
        'MutatingWebhookConfiguration',
      ).webhooks;
      const ca = new X509Certificate(decode(hook?.clientConfig.caBundle));
      assert.ok(leaf.verify(ca.publicKey), 'the caBundle signed the serving certificate');
      assert.equal(
        leaf.checkHost('pilotfish-control-plane.pilotfish-system.svc'),
        'pilotfish-control-plane.pilotfish-system.svc',
      );
      assert.ok(leaf.checkPrivateKey(createPrivateKey(decode(secret.data['tls.key']))), 'the key matches');
    },
  );

  it(
    'uses a given certificate, and refuses half of one with a message naming the flags',
    { skip: opensslMissing() },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pilotfish-manifests-'));
      try {
        const { certificateFile, keyFile } = makeCertificate(
          dir,
          'webhook',
          'pilotfish-control-plane.pilotfish-system.svc',
        );
        const objects = await manifests([
          '--webhook-cert',
          certificateFile,
          '--webhook-key',
          keyFile,
          '--webhook-ca',
          certificateFile,
        ]);
        const secret = byKind<{ data: Record<string, string> }>(objects, 'Secret');
        assert.equal(secret.data['tls.crt'], readFileSync(certificateFile).toString('base64'));
        const half = await runCli(['manifests', '--webhook-cert', certificateFile]);
        assert.notEqual(half.code, 0);
        assert.match(half.stderr, /--webhook-cert, --webhook-key and --webhook-ca go together/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
