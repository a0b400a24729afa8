// The HttpConnectionManager every HTTP listener of the mesh carries (sidecars' outbound, proxyless
// clients' api_listeners, gateways' servers): host matching without the port, the HTTP filters.
import type { ConfigSource } from '../../../proto/gen/envoy/config/core/v3/ConfigSource.js';
import type { HttpConnectionManager } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { HttpFilter } from '../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import { ROUTER_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { FAULT_FILTER_NAME, FAULT_TYPE_URL } from './route-rules.js';

export const ADS_SOURCE: ConfigSource = { ads: {}, resource_api_version: 'V3' };
const ROUTER_FILTER: HttpFilter = { name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } };
// Without a config of its own the fault filter injects nothing; routes' per-filter configs do. It
// is in the chain only while some route has one, so a mesh without faults keeps the bare router.
const FAULT_FILTER: HttpFilter = { name: FAULT_FILTER_NAME, typed_config: { '@type': FAULT_TYPE_URL } };

/** An HttpConnectionManager as the typed_config (an Any) of a listener's network filter. */
export type TypedHttpConnectionManager = HttpConnectionManager & { '@type': typeof TYPE_URL.httpConnectionManager };

export function httpFilters(hasFaults: boolean): HttpFilter[] {
  return hasFaults ? [FAULT_FILTER, ROUTER_FILTER] : [ROUTER_FILTER];
}

export function httpConnectionManager(
  statPrefix: string,
  routes: HttpConnectionManager,
  filters: HttpFilter[] = httpFilters(false),
): TypedHttpConnectionManager {
  return {
    '@type': TYPE_URL.httpConnectionManager,
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    // Callers write `backend:8080`; the port names the service's port, not a different host.
    strip_any_host_port: true,
    ...routes,
    http_filters: filters,
  };
}
