// The RBAC filters of a service's inbound listener: the AuthorizationPolicies that select its
// workloads, as a DENY filter then an ALLOW filter (Envoy's envoy.filters.http.rbac; for a TCP
// service envoy.filters.network.rbac), first in the chain. The sidecars of a service share one
// inbound listener, so a policy selecting any of its instances applies to them all (denying more,
// never less); `app` is every instance's label with the service's name.
import type { Filter } from '../../../proto/gen/envoy/config/listener/v3/Filter.js';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RBAC as HttpRbac } from '../../../proto/gen/envoy/extensions/filters/http/rbac/v3/RBAC.js';
import type { RBAC as NetworkRbac } from '../../../proto/gen/envoy/extensions/filters/network/rbac/v3/RBAC.js';
import type { TcpProxy } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import type { HttpFilter } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { inboundListenerName } from '../../../shared/sidecar-listener-names.js';
import type { AuthorizationPolicyDocument } from '../config/authorization-policy-schema.js';
import type { ConfigSet } from '../config/config-set.js';
import type { PeerAuthenticationModes } from './peer-authentication.js';
import { INBOUND_APP_CLUSTER, INBOUND_PORT } from './inbound.js';
import { inboundFilterChains } from './mutual-tls.js';
import { rbacConfig, type RbacAction } from './rbac.js';
import { typedConfig } from './typed-config.js';

export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
export const NETWORK_RBAC_FILTER_NAME = 'envoy.filters.network.rbac';
const ACTIONS: readonly RbacAction[] = ['DENY', 'ALLOW'];

export interface Workloads {
  name: string;
  namespace: string;
  instances: ReadonlyArray<{ labels: Readonly<Record<string, string>> }>;
}

/** The policies of the service's namespace whose selector matches one of its workloads (or that select all). */
export function policiesFor(config: ConfigSet, service: Workloads): AuthorizationPolicyDocument[] {
  const labelSets: Array<Record<string, string>> =
    service.instances.length === 0
      ? [{ app: service.name }]
      : service.instances.map((instance) => ({ app: service.name, ...instance.labels }));
  return config.authorizationPolicies.filter((policy) => {
    if (policy.metadata.namespace !== service.namespace) return false;
    const wanted = Object.entries(policy.spec.selector?.matchLabels ?? {});
    return labelSets.some((labels) => wanted.every(([key, value]) => labels[key] === value));
  });
}

export function rbacHttpFilters(policies: readonly AuthorizationPolicyDocument[]): HttpFilter[] {
  return ACTIONS.flatMap((action) => {
    const rules = rbacConfig(policies, action, 'http');
    return rules === undefined
      ? []
      : [{ name: RBAC_FILTER_NAME, typed_config: typedConfig<HttpRbac>(TYPE_URL.rbac, { rules }) }];
  });
}

/**
 * The inbound listener of a TCP service's sidecars: network RBAC filters (principals and ports only)
 * when policies select it, before a tcp_proxy to the local app; its callers in mutual TLS, plaintext
 * or both, as the service's PeerAuthentication modes say (by port, if it names ports).
 */
export function inboundTcpListener(
  fqdn: string,
  policies: readonly AuthorizationPolicyDocument[],
  modes: PeerAuthenticationModes,
): Listener {
  const name = inboundListenerName(fqdn);
  const rbac = ACTIONS.flatMap((action): Filter[] => {
    const rules = rbacConfig(policies, action, 'tcp');
    return rules === undefined
      ? []
      : [
          {
            name: NETWORK_RBAC_FILTER_NAME,
            typed_config: typedConfig<NetworkRbac>(TYPE_URL.networkRbac, { rules, stat_prefix: name }),
          },
        ];
  });
  const tcpProxy = typedConfig<TcpProxy>(TYPE_URL.tcpProxy, { stat_prefix: name, cluster: INBOUND_APP_CLUSTER });
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: INBOUND_PORT } },
    filter_chains: inboundFilterChains(
      { filters: [...rbac, { name: TCP_PROXY_FILTER_NAME, typed_config: tcpProxy }] },
      modes,
      'tcp',
    ),
  };
}
