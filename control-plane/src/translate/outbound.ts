// The sidecar's `outbound` listener (HTTP on 15001, its routes over RDS) and the api_listener a
// proxyless gRPC client asks for by host name.
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { VirtualHost } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import { HCM_FILTER_NAME } from '../../../proto/xds.js';
import { OUTBOUND_LISTENER } from '../../../shared/sidecar-listener-names.js';
import type { ListenerLimitsSpec } from '../config/mesh-config-schema.js';
import { ADS_SOURCE, httpConnectionManager, httpFilters } from './http-connection-manager.js';
import { WEBSOCKET_UPGRADES } from './inbound.js';
import { connectionLimitFilter, hcmLimits } from './listener-limits.js';
import type { HcmObservability } from './observability.js';

export function outboundListener(
  withFaults: boolean,
  observability: HcmObservability,
  limits: ListenerLimitsSpec,
): Listener {
  return {
    name: OUTBOUND_LISTENER,
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filters: [
          connectionLimitFilter(OUTBOUND_LISTENER, limits),
          {
            name: HCM_FILTER_NAME,
            typed_config: httpConnectionManager(
              OUTBOUND_LISTENER,
              {
                rds: { route_config_name: OUTBOUND_LISTENER, config_source: ADS_SOURCE },
                ...observability,
                ...hcmLimits(limits),
                upgrade_configs: WEBSOCKET_UPGRADES,
              },
              httpFilters(withFaults),
            ),
          },
        ],
      },
    ],
  };
}

// A proxyless gRPC client dialing xds:///<host> asks for the listener named <host>.
export function apiListener(host: string, virtualHost: VirtualHost): Listener {
  return {
    name: host,
    api_listener: {
      api_listener: httpConnectionManager(host, { route_config: { name: host, virtual_hosts: [virtualHost] } }),
    },
  };
}
