// A load balancer picks one endpoint of a cluster per request. One is built per endpoint set (a
// config version) and may take over the state of the cluster's previous balancer. Policies that
// need more than the endpoint list (least request reads host.stats.active; outlier detection
// narrows the endpoints it is given) implement the same interface.
import type { ClusterEndpoint } from './cluster-endpoint.js';

export interface LoadBalancer {
  /** An endpoint that may take the request, or undefined when none may. */
  pick(): ClusterEndpoint | undefined;
}

/** Builds a balancer for a new endpoint set; `previous` is the cluster's balancer until now. */
export type LoadBalancerFactory = (endpoints: readonly ClusterEndpoint[], previous: LoadBalancer | undefined) => LoadBalancer;
