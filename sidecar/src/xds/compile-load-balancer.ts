// Checks a cluster's balancer (lb_policy and its options, by name from the registry) and its
// common_lb_config (locality preference; panic routing is not supported).
import type { Cluster__Output } from '../../../proto/gen/envoy/config/cluster/v3/Cluster.js';
import type { ClusterPolicy } from '../cluster/cluster.js';
import { loadBalancerPolicies } from '../cluster/load-balancer-registry.js';
import { DEFAULT_LOAD_BALANCER_OPTIONS } from '../cluster/load-balancer.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';

// ring_hash_lb_config bounds (cluster.proto).
const MAX_RING_SIZE = 8_388_608;
const UNSUPPORTED_LEAST_REQUEST: UnsupportedFields = [
  ['active_request_bias', 'weighted least request'],
  ['slow_start_config', 'slow start'],
];
const UNSUPPORTED_COMMON_LB: UnsupportedFields = [
  ['update_merge_window', 'merged host updates'],
  ['close_connections_on_host_set_change', 'closing connections on host set changes'],
  ['consistent_hashing_lb_config', 'consistent hashing options'],
  ['override_host_status', 'host override'],
];

export function checkLoadBalancer(resource: ResourceRef, cluster: Cluster__Output): ClusterPolicy['loadBalancer'] {
  const name = cluster.lb_policy ?? 'ROUND_ROBIN';
  const policy = loadBalancerPolicies.get(name);
  if (policy === undefined) {
    throw configError(
      resource,
      'lb_policy',
      `${name} is not supported by this sidecar yet (${[...loadBalancerPolicies.keys()].join(', ')})`,
    );
  }
  const options = { ...DEFAULT_LOAD_BALANCER_OPTIONS };
  const leastRequest = cluster.least_request_lb_config;
  if (leastRequest !== undefined) {
    rejectUnsupported(resource, 'least_request_lb_config', leastRequest, UNSUPPORTED_LEAST_REQUEST);
    if (leastRequest.choice_count !== undefined) {
      options.choiceCount = leastRequest.choice_count.value ?? 0;
      if (options.choiceCount < 2)
        throw configError(resource, 'least_request_lb_config.choice_count', 'must be at least 2');
    }
  }
  const ring = cluster.ring_hash_lb_config;
  if (ring !== undefined) {
    if (ring.minimum_ring_size !== undefined) options.minRingSize = Number(ring.minimum_ring_size.value ?? 0);
    if (ring.maximum_ring_size !== undefined) options.maxRingSize = Number(ring.maximum_ring_size.value ?? 0);
    if (!(options.minRingSize >= 1 && options.minRingSize <= MAX_RING_SIZE))
      throw configError(resource, 'ring_hash_lb_config.minimum_ring_size', `must be in 1-${MAX_RING_SIZE}`);
    if (!(options.maxRingSize >= 1 && options.maxRingSize <= MAX_RING_SIZE))
      throw configError(resource, 'ring_hash_lb_config.maximum_ring_size', `must be in 1-${MAX_RING_SIZE}`);
    if (options.minRingSize > options.maxRingSize)
      throw configError(
        resource,
        'ring_hash_lb_config.minimum_ring_size',
        `${options.minRingSize} is above maximum_ring_size ${options.maxRingSize}`,
      );
  }
  return policy(options);
}

/** Returns whether the cluster prefers the sidecar's own zone (zone_aware_lb_config). */
export function checkCommonLbConfig(resource: ResourceRef, cluster: Cluster__Output): boolean {
  const common = cluster.common_lb_config;
  if (common === undefined) return false;
  rejectUnsupported(resource, 'common_lb_config', common, UNSUPPORTED_COMMON_LB);
  // No panic mode here: when few endpoints are available, only they get traffic, which is
  // Envoy's behaviour with the threshold at 0.
  const panic = common.healthy_panic_threshold;
  if (panic !== undefined && (panic.value ?? 0) !== 0) {
    throw configError(
      resource,
      'common_lb_config.healthy_panic_threshold',
      'panic routing is not supported by this sidecar yet (only 0, which turns it off)',
    );
  }
  // locality_weighted_lb_config is accepted: every endpoint weighs the same, whatever its locality.
  return common.locality_config_specifier === 'zone_aware_lb_config' || common.zone_aware_lb_config !== undefined;
}
