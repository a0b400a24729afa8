// Pure: the Kubernetes objects that install Pilotfish's control plane (namespace, service account,
// least-privilege RBAC, Deployment, Service, PodDisruptionBudget, the sidecar injector's webhook).
import { IMAGE_ENV } from './image-env.js';

export interface ManifestOptions {
  namespace: string;
  replicas: number;
  image: string;
  /**
   * The webhook's serving certificate and the CA that signed it (PEM). Without it the Secret is left
   * to cert-manager: a Certificate named `pilotfish-webhook` writes it, and its CA injector fills caBundle.
   */
  webhookCertificate?: { certificate: string; key: string; ca: string };
}

export type KubernetesObject = Record<string, unknown> & { apiVersion: string; kind: string };

const NAME = 'pilotfish-control-plane';
const WEBHOOK_SECRET = 'pilotfish-webhook-tls';
const WEBHOOK_PORT = 15017;
const LABELS = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'pilotfish' };

/** The DNS name the API server dials the webhook at: the serving certificate must name it. */
export function webhookHost(namespace: string): string {
  return `${NAME}.${namespace}.svc`;
}

export function renderManifests(options: ManifestOptions): KubernetesObject[] {
  const { namespace } = options;
  const metadata = { name: NAME, namespace, labels: LABELS };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'pilotfish' } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME, labels: LABELS },
      // What the Kubernetes registry source reads, and nothing else.
      rules: [
        { apiGroups: [''], resources: ['services', 'pods'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
    },
    ...(options.webhookCertificate
      ? [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: WEBHOOK_SECRET, namespace, labels: LABELS },
            type: 'kubernetes.io/tls',
            data: {
              'tls.crt': base64(options.webhookCertificate.certificate),
              'tls.key': base64(options.webhookCertificate.key),
              'ca.crt': base64(options.webhookCertificate.ca),
            },
          },
        ]
      : []),
    deployment(options),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: { 'app.kubernetes.io/name': NAME },
        ports: [
          { name: 'grpc-xds', port: 15010, targetPort: 'grpc-xds', appProtocol: 'grpc' },
          { name: 'https-webhook', port: WEBHOOK_PORT, targetPort: 'https-webhook' },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata,
      // One replica at a time: with a single replica a drain still proceeds (sidecars keep their last config).
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': NAME } } },
    },
    webhookConfiguration(options),
  ];
}

function deployment({ namespace, replicas, image }: ManifestOptions): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace, labels: LABELS },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
      template: {
        metadata: { labels: LABELS, annotations: { 'sidecar.pilotfish.dev/inject': 'false' } },
        spec: {
          serviceAccountName: NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
            },
          ],
          containers: [
            {
              name: 'control-plane',
              image,
              args: [
                'control-plane',
                '--kubernetes',
                '--grpc-listen=0.0.0.0:15010',
                // The kubelet's readiness probe reaches the admin port on the pod IP.
                '--admin-listen=0.0.0.0:15014',
                `--webhook-listen=0.0.0.0:${WEBHOOK_PORT}`,
                '--webhook-cert=/etc/pilotfish/webhook/tls.crt',
                '--webhook-key=/etc/pilotfish/webhook/tls.key',
              ],
              // The image's settings, kept should another image run it.
              env: Object.entries(IMAGE_ENV).map(([name, value]) => ({ name, value })),
              ports: [
                { name: 'grpc-xds', containerPort: 15010 },
                { name: 'http-admin', containerPort: 15014 },
                { name: 'https-webhook', containerPort: WEBHOOK_PORT },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 'http-admin' }, periodSeconds: 5 },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'webhook-tls', mountPath: '/etc/pilotfish/webhook', readOnly: true }],
            },
          ],
          volumes: [{ name: 'webhook-tls', secret: { secretName: WEBHOOK_SECRET, defaultMode: 0o400 } }],
        },
      },
    },
  };
}

function webhookConfiguration({ namespace, webhookCertificate }: ManifestOptions): KubernetesObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: 'pilotfish-sidecar-injector',
      labels: LABELS,
      ...(webhookCertificate
        ? {}
        : { annotations: { 'cert-manager.io/inject-ca-from': `${namespace}/pilotfish-webhook` } }),
    },
    webhooks: [
      {
        name: 'sidecar-injector.pilotfish.dev',
        clientConfig: {
          service: { name: NAME, namespace, path: '/inject', port: WEBHOOK_PORT },
          ...(webhookCertificate ? { caBundle: base64(webhookCertificate.ca) } : {}),
        },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
        ],
        namespaceSelector: { matchLabels: { 'pilotfish-injection': 'enabled' } },
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        // A pod in an opted-in namespace is not created without its sidecar.
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        reinvocationPolicy: 'Never',
      },
    ],
  };
}

function base64(pem: string): string {
  return Buffer.from(pem).toString('base64');
}
