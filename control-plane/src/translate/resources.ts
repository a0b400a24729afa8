// One xDS snapshot's resources by type URL and name: the output of translate, the input of the cache.
// Each resource has the generated Envoy (or pilotfish.v1) type, so tsc catches a misspelt field.
import type { Cluster } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../../proto/gen/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { ServiceConfig } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import type { TYPE_URL } from '../../../proto/xds.js';

export interface ResourceSnapshot {
  [TYPE_URL.cluster]: Map<string, Cluster>;
  [TYPE_URL.endpoint]: Map<string, ClusterLoadAssignment>;
  [TYPE_URL.listener]: Map<string, Listener>;
  [TYPE_URL.route]: Map<string, RouteConfiguration>;
  [TYPE_URL.serviceConfig]: Map<string, ServiceConfig>;
}
