import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointSlice, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { toServiceViews } from './cluster-services.js';

function service(ports: V1ServicePort[], clusterIP = '10.96.0.10'): V1Service {
  return { metadata: { name: 'api', namespace: 'shop' }, spec: { clusterIP, ports } };
}

function slice(overrides: Partial<V1EndpointSlice> = {}): V1EndpointSlice {
  return {
    metadata: { name: 'api-x1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'api' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
    ...overrides,
  };
}

/** `protocol address:port …` of the one service, or its absence. */
function endpointsOf(services: V1Service[], slices: V1EndpointSlice[]): string {
  const [view] = toServiceViews({ services, endpointSlices: slices, pods: [] });
  return view ? view.instances.map((i) => `${i.protocol} ${i.address}:${i.port}`).join(', ') : 'no service';
}

const HTTP: V1ServicePort = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' };

describe('toServiceViews', () => {
  const cases: { name: string; services: V1Service[]; slices: V1EndpointSlice[]; expected: string }[] = [
    {
      name: 'a ready endpoint on the port named like the Service port',
      services: [service([HTTP])],
      slices: [slice()],
      expected: 'http 10.0.0.1:8080',
    },
    {
      name: 'ready unset counts as ready; ready false does not',
      services: [service([HTTP])],
      slices: [
        slice({
          endpoints: [
            { addresses: ['10.0.0.1'], conditions: {} },
            { addresses: ['10.0.0.2'], conditions: { ready: false, terminating: true } },
          ],
        }),
      ],
      expected: 'http 10.0.0.1:8080',
    },
    {
      name: 'endpoints of every slice of the service',
      services: [service([HTTP])],
      slices: [slice(), slice({ endpoints: [{ addresses: ['10.0.0.9'] }] })],
      expected: 'http 10.0.0.1:8080, http 10.0.0.9:8080',
    },
    {
      name: 'the first Service port only, matched by name among the slice ports',
      services: [service([{ ...HTTP, name: 'grpc-api', port: 90 }, HTTP])],
      slices: [
        slice({
          ports: [
            { name: 'http', port: 8080 },
            { name: 'grpc-api', port: 9090 },
          ],
        }),
      ],
      expected: 'grpc 10.0.0.1:9090',
    },
    {
      name: 'appProtocol wins over the port name',
      services: [service([{ ...HTTP, appProtocol: 'kubernetes.io/h2c' }])],
      slices: [slice()],
      expected: 'http2 10.0.0.1:8080',
    },
    {
      name: 'an appProtocol the mesh does not know is opaque TCP',
      services: [service([{ ...HTTP, name: 'db' }])],
      slices: [slice({ ports: [{ name: 'db', port: 5432, appProtocol: 'postgresql' }] })],
      expected: 'tcp 10.0.0.1:5432',
    },
    {
      name: 'UDP ports give no instances',
      services: [service([{ ...HTTP, name: 'dns', protocol: 'UDP' }])],
      slices: [slice({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })],
      expected: '',
    },
    {
      name: 'FQDN slices give no instances',
      services: [service([HTTP])],
      slices: [slice({ addressType: 'FQDN' })],
      expected: '',
    },
    {
      name: 'slices of another service are not this one’s',
      services: [service([HTTP])],
      slices: [slice({ metadata: { namespace: 'shop', labels: { 'kubernetes.io/service-name': 'other' } } })],
      expected: '',
    },
    {
      name: 'slices in another namespace are not this one’s',
      services: [service([HTTP])],
      slices: [slice({ metadata: { namespace: 'web', labels: { 'kubernetes.io/service-name': 'api' } } })],
      expected: '',
    },
  ];
  for (const { name, services, slices, expected } of cases) {
    it(name, () => assert.equal(endpointsOf(services, slices), expected));
  }

  it('gives a Service its ClusterIP as virtual IP, and a headless Service none', () => {
    const views = toServiceViews({
      services: [service([HTTP]), { ...service([HTTP], 'None'), metadata: { name: 'db', namespace: 'shop' } }],
      endpointSlices: [],
      pods: [],
    });
    assert.deepEqual(
      views.map((view) => [view.name, view.virtualIp]),
      [
        ['api', '10.96.0.10'],
        ['db', undefined],
      ],
    );
  });

  it('names an instance after its pod and takes the pod’s labels and service account', () => {
    const [view] = toServiceViews({
      services: [service([HTTP])],
      endpointSlices: [
        slice({
          endpoints: [{ addresses: ['10.0.0.1'], targetRef: { kind: 'Pod', name: 'api-7f-abc', namespace: 'shop' } }],
        }),
      ],
      pods: [
        {
          metadata: { name: 'api-7f-abc', namespace: 'shop', labels: { app: 'api', version: 'v3' } },
          spec: { serviceAccountName: 'api-sa', containers: [] },
        },
      ],
    });
    assert.deepEqual(view?.instances, [
      {
        service: 'api',
        namespace: 'shop',
        instanceId: 'api-7f-abc',
        address: '10.0.0.1',
        port: 8080,
        labels: { app: 'api', version: 'v3' },
        protocol: 'http',
        serviceAccount: 'api-sa',
      },
    ]);
  });
});
