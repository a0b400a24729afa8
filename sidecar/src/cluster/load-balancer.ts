// A load balancer picks one endpoint of a cluster per request. Implementations are built once per
// endpoint set (EDS version) and registered by Envoy's lb_policy name.
import type { ClusterEndpoint } from './cluster.js';
import { RoundRobin } from './round-robin.js';

export interface LoadBalancer {
  pick(): ClusterEndpoint | undefined;
}

export type LoadBalancerFactory = (endpoints: readonly ClusterEndpoint[], previous: LoadBalancer | undefined) => LoadBalancer;

export const loadBalancers: ReadonlyMap<string, LoadBalancerFactory> = new Map([
  ['ROUND_ROBIN', (endpoints, previous) => new RoundRobin(endpoints, previous instanceof RoundRobin ? previous : undefined)],
]);
