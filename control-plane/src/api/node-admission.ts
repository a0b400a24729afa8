// Which proxies' config a caller may stream over ADS: a workload only its own namespace's, and
// only its own service's (or Gateway's) when its identity names one; an operator any. Without
// this, any workload could claim another service's node and read its routes and policies.
import type * as grpc from '@grpc/grpc-js';
import type { NodeClaim } from '../xds/ads-stream.js';
import { callerOf } from './authentication-interceptor.js';
import { isOwnService } from './caller.js';

/** Why the verified caller of a stream may not get `claim`'s config, or undefined when it may. */
export function refuseNode(metadata: grpc.Metadata, claim: NodeClaim): string | undefined {
  const caller = callerOf(metadata);
  if (caller?.kind !== 'workload') return undefined;
  const [namespace, name] =
    claim.gateway === undefined ? [claim.namespace, claim.service] : (claim.gateway.split('/') as [string, string]);
  const what =
    claim.gateway === undefined ? `service "${name}" in namespace "${namespace}"` : `Gateway ${claim.gateway}`;
  if (!isOwnService(caller, namespace, name))
    return `${caller.spiffeId} may get the config of ${caller.service === undefined ? 'services' : `"${caller.service}"`} in namespace "${caller.namespace}" only, not of ${what}`;
  return undefined;
}
