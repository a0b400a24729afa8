// The xDS resources a sidecar has accepted, by type and name: the input of compileProxyConfig.
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment__Output } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration__Output } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';

export interface XdsResourceSet {
  listeners: ReadonlyMap<string, Listener__Output>;
  routes: ReadonlyMap<string, RouteConfiguration__Output>;
  clusters: ReadonlyMap<string, Cluster__Output>;
  endpoints: ReadonlyMap<string, ClusterLoadAssignment__Output>;
}

/** A resource the sidecar cannot use; the message becomes the NACK's error_detail. */
export class XdsConfigError extends Error {
  override readonly name = 'XdsConfigError';
}
