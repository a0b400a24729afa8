// Of a group's listeners, the ones a sidecar serves (shared/sidecar-listener-names.ts, the rule the
// sidecar holds them by too): `outbound`, the outbound TCP listeners and its own service's inbound
// listener. The rest of the group's listeners (every other service's inbound listener, the
// api_listeners of proxyless gRPC clients) are for other nodes: a sidecar's wildcard LDS
// subscription is not sent them, so neither the control plane's bytes nor the sidecar's decoding
// are spent on what it would drop (about 3 KB per service of the group).
import type { EncodedResource } from '../../../proto/xds.js';
import { inboundListenerName, isSharedSidecarListener } from '../../../shared/sidecar-listener-names.js';
import { serviceFqdn } from '../../../shared/service-fqdn.js';
import type { TypeSnapshot } from './snapshot-cache.js';

/** Per LDS snapshot, the listeners every sidecar of the group serves; built once, on first use. */
const sharedBySnapshot = new WeakMap<TypeSnapshot, EncodedResource[]>();

function sharedListeners(snapshot: TypeSnapshot): EncodedResource[] {
  let shared = sharedBySnapshot.get(snapshot);
  if (shared === undefined) {
    shared = [];
    for (const [name, resource] of snapshot.resources) if (isSharedSidecarListener(name)) shared.push(resource.encoded);
    sharedBySnapshot.set(snapshot, shared);
  }
  return shared;
}

/** The listeners of an LDS snapshot that a sidecar of `service` in `namespace` serves. */
export function sidecarListeners(snapshot: TypeSnapshot, namespace: string, service: string): EncodedResource[] {
  const shared = sharedListeners(snapshot);
  const own = snapshot.resources.get(inboundListenerName(serviceFqdn(service, namespace)));
  return own === undefined ? shared : [...shared, own.encoded];
}
