// `node dist/bench/sidecar-lds.js`: what an LDS response weighs for a sidecar against its whole
// node group, in the memory bench's mesh (bench/sidecar-endpoints.ts: 1,000 services, 10,000
// endpoints, one namespace): the group holds every service's inbound listener and the
// api_listeners of proxyless gRPC clients; a sidecar is sent only the listeners it serves.
import type { ServiceInstance } from '../control-plane/src/registry/instance.js';
import { translate } from '../control-plane/src/translate/translate.js';
import { sidecarListeners } from '../control-plane/src/xds/sidecar-listeners.js';
import { SnapshotCache } from '../control-plane/src/xds/snapshot-cache.js';
import { TYPE_URL } from '../proto/xds.js';
import { SIDECAR_ENDPOINTS_PLAN } from './sidecar-endpoints.js';

const { services: serviceCount, endpoints } = SIDECAR_ENDPOINTS_PLAN;
const perService = endpoints / serviceCount;
const services = Array.from({ length: serviceCount }, (_, s) => {
  const name = `svc-${s}`;
  const instances: ServiceInstance[] = Array.from({ length: perService }, (_, i) => ({
    service: name,
    namespace: 'default',
    instanceId: `${name}-${i}`,
    address: '127.0.0.1',
    port: 20_000 + i,
    labels: {},
    protocol: 'http',
  }));
  return { name, namespace: 'default', instances };
});
const cache = new SnapshotCache();
cache.setSnapshot('default', translate(services, 'default'));
const group = cache.get('default', TYPE_URL.listener);
if (group === undefined) throw new Error('the translation made no LDS snapshot');
const served = sidecarListeners(group, 'default', 'svc-0');
const servedBytes = served.reduce((sum, resource) => sum + resource.any.length, 0);
console.log(
  `${serviceCount} services, ${endpoints} endpoints: the group's LDS response holds ${group.resources.size} listeners ` +
    `(${(group.all.bytes.length / 1e6).toFixed(1)} MB); a sidecar's holds ${served.length} (${(servedBytes / 1e3).toFixed(1)} KB)`,
);
