// The inbound listener of a service's sidecars, `inbound|FQDN`: its routes all go to the local app
// (cluster `inbound`), through the local rate limit filter when a RateLimit names the service;
// WebSocket upgrades pass.
// Rate limits are enforced at the destination, so every caller shares the same quota.
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import type { LimitSpec, RateLimitDocument } from '../config/rate-limit-schema.js';
import { duration } from './duration.js';

export const INBOUND_APP_CLUSTER = 'inbound';
export const LOCAL_RATE_LIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATE_LIMIT_TYPE_URL = TYPE_URL.localRateLimit;
/** The header a calling sidecar sets to its own service name: the key of per-caller limits. */
export const SOURCE_HEADER = 'x-pilotfish-source';
const INBOUND_PORT = 15006;
/** HCM upgrade_configs of sidecar listeners: WebSocket upgrades pass through, as in Istio. */
export const WEBSOCKET_UPGRADES = [{ upgrade_type: 'websocket' }];
const STAT_PREFIX = 'http_local_rate_limiter';
// The descriptor entry key of keyed limits; an empty value means a bucket per distinct value.
const DESCRIPTOR_KEY = 'key';
const ALWAYS = { default_value: { numerator: 100, denominator: 'HUNDRED' } };

export function inboundListenerName(fqdn: string): string {
  return `inbound|${fqdn}`;
}

export function inboundListener(fqdn: string, rateLimit: RateLimitDocument | undefined, observability: object): object {
  const name = inboundListenerName(fqdn);
  const routes: object[] = (rateLimit?.spec.limits ?? []).map((limit, index) => limitRoute(limit, index));
  routes.push({ name: 'default', match: { prefix: '/' }, route: { cluster: INBOUND_APP_CLUSTER } });
  const httpFilters: object[] = [];
  if (rateLimit)
    httpFilters.push({
      name: LOCAL_RATE_LIMIT_FILTER_NAME,
      typed_config: { '@type': LOCAL_RATE_LIMIT_TYPE_URL, stat_prefix: STAT_PREFIX },
    });
  httpFilters.push({ name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } });
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: INBOUND_PORT } },
    filter_chains: [
      {
        filters: [
          {
            name: HCM_FILTER_NAME,
            typed_config: {
              '@type': TYPE_URL.httpConnectionManager,
              stat_prefix: 'inbound',
              codec_type: 'AUTO',
              upgrade_configs: WEBSOCKET_UPGRADES,
              http_filters: httpFilters,
              ...observability,
              route_config: { name, virtual_hosts: [{ name: 'inbound', domains: ['*'], routes }] },
            },
          },
        ],
      },
    ],
  };
}

function limitRoute(limit: LimitSpec, index: number): object {
  const path = limit.match?.path;
  const match = path?.exact !== undefined ? { path: path.exact } : { prefix: path?.prefix ?? '/' };
  const bucket = {
    max_tokens: limit.requests,
    tokens_per_fill: { value: limit.requests },
    fill_interval: duration(limit.per),
  };
  const config: Record<string, unknown> = {
    '@type': LOCAL_RATE_LIMIT_TYPE_URL,
    stat_prefix: STAT_PREFIX,
    // Requests without the key's header share this bucket.
    token_bucket: bucket,
    filter_enabled: ALWAYS,
    filter_enforced: ALWAYS,
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
  };
  const route: Record<string, unknown> = { cluster: INBOUND_APP_CLUSTER };
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
    typed_per_filter_config: { [LOCAL_RATE_LIMIT_FILTER_NAME]: config },
  };
}
