// What of the config a group's and a service's resources are made from, as strings to compare: after
// a config change, translateGroup rebuilds the services whose keys changed (a Route for X rebuilds
// X's listeners and the outbound route) and keeps the encodings of the rest (group-memo.ts).
import type { AuthorizationPolicyDocument } from '../config/authorization-policy-schema.js';
import type { ConfigSet } from '../config/config-set.js';
import type { DestinationPolicySpec } from '../config/destination-policy-schema.js';
import type { RateLimitDocument } from '../config/rate-limit-schema.js';
import type { RouteDocument } from '../config/route-schema.js';
import type { PeerAuthenticationModes } from './peer-authentication.js';

/**
 * What every resource of a group depends on: the MeshConfig, the Sidecars (a group's scope), the
 * Service documents (virtual IPs, TCP ports) and the Gateways. A change to it translates the group whole.
 */
export function groupConfigKey(config: ConfigSet, hasMutualTls: boolean): string {
  return JSON.stringify([hasMutualTls, config.mesh, config.sidecars, config.services, config.gateways]);
}

/** What a service's listeners and virtual host are made from, besides its instances. */
export interface ListenerInputs {
  route: RouteDocument | undefined;
  rateLimit: RateLimitDocument | undefined;
  mode: PeerAuthenticationModes;
  policies: readonly AuthorizationPolicyDocument[];
  /**
   * The hash policies of every ring-hash cluster (its virtual host's routes carry those of the
   * clusters they send to): one key for the group, computed once.
   */
  hashPolicies: string;
}

export function listenerKey(inputs: ListenerInputs): string {
  return JSON.stringify([inputs.route, inputs.rateLimit, inputs.mode, inputs.policies, inputs.hashPolicies]);
}

/** What a service's clusters and load assignments are made from, besides its instances. */
export function clusterKey(policy: DestinationPolicySpec | undefined, mode: PeerAuthenticationModes): string {
  return JSON.stringify([policy, mode]);
}
