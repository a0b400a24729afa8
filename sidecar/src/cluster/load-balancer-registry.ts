// The load balancers this sidecar has, by Envoy's lb_policy name: compile looks a cluster's policy
// up here and never names a balancer itself. A new policy is one file and one line here.
import type { LoadBalancerFactory } from './load-balancer.js';
import { createRoundRobin } from './round-robin.js';

export const loadBalancerFactories: ReadonlyMap<string, LoadBalancerFactory> = new Map([['ROUND_ROBIN', createRoundRobin]]);
