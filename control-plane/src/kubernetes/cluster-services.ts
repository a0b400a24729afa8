// Pure: what the Kubernetes informers hold (Services, EndpointSlices, Pods) → the registry's view of
// services and instances. A Service's ClusterIP is its virtual IP; each ready endpoint is an instance.
import type { V1EndpointSlice, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';

export interface ClusterObjects {
  services: readonly V1Service[];
  endpointSlices: readonly V1EndpointSlice[];
  pods: readonly V1Pod[];
}

// The label the EndpointSlice controller puts on each slice it makes for a Service.
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Services sorted by namespace then name, each with the ready endpoints of its slices on its first port. */
export function toServiceViews({ services, endpointSlices, pods }: ClusterObjects): ServiceView[] {
  const podsByKey = new Map(pods.map((pod) => [`${pod.metadata?.namespace}/${pod.metadata?.name}`, pod]));
  const slicesByService = new Map<string, V1EndpointSlice[]>();
  for (const slice of endpointSlices) {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!service) continue;
    const key = `${slice.metadata?.namespace}/${service}`;
    slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice]);
  }
  const views: ServiceView[] = [];
  for (const service of services) {
    const name = service.metadata?.name;
    const namespace = service.metadata?.namespace ?? 'default';
    if (!name) continue;
    const port = service.spec?.ports?.[0];
    const instances = port
      ? (slicesByService.get(`${namespace}/${name}`) ?? []).flatMap((slice) =>
          instancesOf(slice, { service: name, namespace, port, podsByKey }),
        )
      : [];
    instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    const view: ServiceView = { name, namespace, instances };
    const clusterIp = service.spec?.clusterIP;
    // Headless Services have clusterIP "None": clients dial the pods, there is no virtual IP.
    if (clusterIp && clusterIp !== 'None') view.virtualIp = clusterIp;
    views.push(view);
  }
  return views.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

interface SliceContext {
  service: string;
  namespace: string;
  port: V1ServicePort;
  podsByKey: Map<string, V1Pod>;
}

function instancesOf(slice: V1EndpointSlice, { service, namespace, port, podsByKey }: SliceContext): ServiceInstance[] {
  // FQDN slices name hosts, not addresses an endpoint can be dialled at without DNS.
  if (slice.addressType === 'FQDN') return [];
  // A slice port matches the Service port by name (both unnamed when the Service has one port).
  const slicePort = slice.ports?.find((candidate) => (candidate.name ?? '') === (port.name ?? ''));
  if (!slicePort?.port) return [];
  // UDP and SCTP ports carry nothing the mesh proxies.
  if ((port.protocol ?? 'TCP') !== 'TCP') return [];
  const protocol = protocolOf(slicePort.appProtocol ?? port.appProtocol, port.name);
  const instances: ServiceInstance[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    // `ready` unset means ready (the API's rule); terminating endpoints are not ready.
    if (endpoint.conditions?.ready === false) continue;
    const address = endpoint.addresses[0];
    if (!address) continue;
    const podRef = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef : undefined;
    const pod = podRef ? podsByKey.get(`${podRef.namespace ?? namespace}/${podRef.name}`) : undefined;
    const instance: ServiceInstance = {
      service,
      namespace,
      instanceId: podRef?.name ?? address,
      address,
      port: slicePort.port,
      labels: { ...(pod?.metadata?.labels ?? {}) },
      protocol,
    };
    const serviceAccount = pod?.spec?.serviceAccountName;
    if (serviceAccount) instance.serviceAccount = serviceAccount;
    instances.push(instance);
  }
  return instances;
}

const APP_PROTOCOLS: Record<string, Protocol> = {
  http: 'http',
  http2: 'http2',
  'kubernetes.io/h2c': 'http2',
  grpc: 'grpc',
  tcp: 'tcp',
};

/**
 * The port's protocol from its appProtocol (opaque TCP when the mesh does not know it), else from
 * Istio's port-name convention (`http-web`, `grpc`, `tcp-db`); HTTP when neither says.
 */
function protocolOf(appProtocol: string | undefined, portName: string | undefined): Protocol {
  if (appProtocol) return APP_PROTOCOLS[appProtocol.toLowerCase()] ?? 'tcp';
  const prefix = portName?.split('-')[0]?.toLowerCase() ?? '';
  return APP_PROTOCOLS[prefix] ?? 'http';
}
