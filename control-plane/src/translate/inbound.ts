// The inbound listener of a service's sidecars, `inbound|FQDN`: its routes all go to the local app
// (cluster `inbound`), through the RBAC filters of its AuthorizationPolicies and the local rate
// limit filter when a RateLimit names the service;
// WebSocket upgrades pass; the MeshConfig's listener limits hold; clients come in mutual TLS, in
// plaintext or both, as the service's PeerAuthentication modes say (by port, if it names ports).
// Rate limits are enforced at the destination, so every caller shares the same quota.
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { Route } from '../../../proto/gen/envoy/config/route/v3/Route.js';
import type { LocalRateLimit } from '../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { HttpFilter } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { inboundListenerName } from '../../../shared/sidecar-listener-names.js';
import type { ListenerLimitsSpec } from '../config/mesh-config-schema.js';
import type { LimitSpec, RateLimitDocument } from '../config/rate-limit-schema.js';
import { duration } from './duration.js';
import type { TypedHttpConnectionManager } from './http-connection-manager.js';
import { connectionLimitFilter, hcmLimits } from './listener-limits.js';
import type { HcmObservability } from './observability.js';
import { typedConfig } from './typed-config.js';
import { inboundFilterChains } from './mutual-tls.js';
import type { PeerAuthenticationModes } from './peer-authentication.js';

export const INBOUND_APP_CLUSTER = 'inbound';
export const LOCAL_RATE_LIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATE_LIMIT_TYPE_URL = TYPE_URL.localRateLimit;
/** The header a calling sidecar sets to its own service name: the key of per-caller limits. */
export const SOURCE_HEADER = 'x-pilotfish-source';
export const INBOUND_PORT = 15006;
/** HCM upgrade_configs of sidecar listeners: WebSocket upgrades pass through, as in Istio. */
export const WEBSOCKET_UPGRADES: TypedHttpConnectionManager['upgrade_configs'] = [{ upgrade_type: 'websocket' }];
const STAT_PREFIX = 'http_local_rate_limiter';
// The descriptor entry key of keyed limits; an empty value means a bucket per distinct value.
const DESCRIPTOR_KEY = 'key';
const ALWAYS: LocalRateLimit['filter_enabled'] = { default_value: { numerator: 100, denominator: 'HUNDRED' } };

/** `rbacFilters`: the service's authorization (rbac-filters.ts), first in the chain. */
export function inboundListener(
  fqdn: string,
  rateLimit: RateLimitDocument | undefined,
  observability: HcmObservability,
  limits: ListenerLimitsSpec,
  modes: PeerAuthenticationModes,
  rbacFilters: HttpFilter[] = [],
): Listener {
  const name = inboundListenerName(fqdn);
  const routes: Route[] = (rateLimit?.spec.limits ?? []).map((limit, index) => limitRoute(limit, index));
  routes.push({ name: 'default', match: { prefix: '/' }, route: { cluster: INBOUND_APP_CLUSTER } });
  const httpFilters: HttpFilter[] = [...rbacFilters];
  if (rateLimit)
    httpFilters.push({
      name: LOCAL_RATE_LIMIT_FILTER_NAME,
      typed_config: typedConfig<LocalRateLimit>(LOCAL_RATE_LIMIT_TYPE_URL, { stat_prefix: STAT_PREFIX }),
    });
  httpFilters.push({ name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } });
  const hcm: TypedHttpConnectionManager = {
    '@type': TYPE_URL.httpConnectionManager,
    stat_prefix: 'inbound',
    codec_type: 'AUTO',
    upgrade_configs: WEBSOCKET_UPGRADES,
    http_filters: httpFilters,
    ...observability,
    ...hcmLimits(limits),
    route_config: { name, virtual_hosts: [{ name: 'inbound', domains: ['*'], routes }] },
  };
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: INBOUND_PORT } },
    filter_chains: inboundFilterChains(
      { filters: [connectionLimitFilter('inbound', limits), { name: HCM_FILTER_NAME, typed_config: hcm }] },
      modes,
    ),
  };
}

function limitRoute(limit: LimitSpec, index: number): Route {
  const path = limit.match?.path;
  const match = path?.exact !== undefined ? { path: path.exact } : { prefix: path?.prefix ?? '/' };
  const bucket = {
    max_tokens: limit.requests,
    tokens_per_fill: { value: limit.requests },
    fill_interval: duration(limit.per),
  };
  const config: LocalRateLimit = {
    stat_prefix: STAT_PREFIX,
    // Requests without the key's header share this bucket.
    token_bucket: bucket,
    filter_enabled: ALWAYS,
    filter_enforced: ALWAYS,
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
  };
  const route: Route['route'] = { cluster: INBOUND_APP_CLUSTER };
  const keyHeader = limit.key === undefined ? undefined : limit.key.source ? SOURCE_HEADER : limit.key.header;
  if (keyHeader !== undefined) {
    config.descriptors = [{ entries: [{ key: DESCRIPTOR_KEY, value: '' }], token_bucket: bucket }];
    route.rate_limits = [
      { actions: [{ request_headers: { header_name: keyHeader, descriptor_key: DESCRIPTOR_KEY } }] },
    ];
  }
  return {
    name: `limits[${index}]`,
    match,
    route,
    typed_per_filter_config: { [LOCAL_RATE_LIMIT_FILTER_NAME]: typedConfig(LOCAL_RATE_LIMIT_TYPE_URL, config) },
  };
}
