// The load balancers this sidecar has, by Envoy's lb_policy name: compile looks a cluster's policy
// up here and never names a balancer itself. A new policy is one file and one line here.
import { leastRequest } from './least-request.js';
import type { LoadBalancerPolicy } from './load-balancer.js';
import { random } from './random.js';
import { ringHash } from './ring-hash.js';
import { roundRobin } from './round-robin.js';

export const loadBalancerPolicies: ReadonlyMap<string, LoadBalancerPolicy> = new Map([
  ['ROUND_ROBIN', roundRobin],
  ['LEAST_REQUEST', leastRequest],
  ['RANDOM', random],
  ['RING_HASH', ringHash],
]);
