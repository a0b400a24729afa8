// Gateway translation: what an ingress gateway process gets instead of sidecar listeners — per
// server of its Gateway a listener (TLS from the server's certificate files for HTTPS) and a route
// table with one virtual host per Route attached to the Gateway, for the Route's hosts that server
// serves. Rules, subsets and cluster policies are the same as the sidecars', and so are the
// MeshConfig's tracing and access log and the WebSocket upgrades.
import type { TransportSocket } from '../../../proto/gen/envoy/config/core/v3/TransportSocket.js';
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../../proto/gen/envoy/config/route/v3/RouteConfiguration.js';
import type { RetryPolicy } from '../../../proto/gen/envoy/config/route/v3/RetryPolicy.js';
import type { VirtualHost } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import type { DownstreamTlsContext } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import { HCM_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { routeGatewayKeys, serverDomains } from '../config/gateway-attachments.js';
import type { GatewayDocument, GatewayServer } from '../config/gateway-schema.js';
import type { ConfigSet } from '../config/config-set.js';
import { resolveService } from '../config/service-ref.js';
import { ADS_SOURCE, httpConnectionManager, httpFilters } from './http-connection-manager.js';
import { WEBSOCKET_UPGRADES } from './inbound.js';
import { hcmObservability, type HcmObservability } from './observability.js';
import { defaultRetries, hasFaults, ruleRoutes, serviceRoute, type HashPolicyOf } from './route-rules.js';
import { typedConfig } from './typed-config.js';

const GROUP_PREFIX = 'gateway:';
const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

/** The node group of the gateway processes serving Gateway `key` (`namespace/name`). */
export function gatewayGroup(key: string): string {
  return `${GROUP_PREFIX}${key}`;
}

/** The Gateway key (`namespace/name`) of a gateway's node group; undefined for a namespace's group. */
export function gatewayOfGroup(group: string): string | undefined {
  return group.startsWith(GROUP_PREFIX) ? group.slice(GROUP_PREFIX.length) : undefined;
}

/** A server's listener, and its route configuration: `gateway|namespace/name|port`. */
export function gatewayListenerName(key: string, port: number): string {
  return `gateway|${key}|${port}`;
}

/** The listeners and route tables of Gateway `key`; none while no Gateway document declares it. */
export function gatewayResources(
  key: string,
  config: ConfigSet,
  hashPolicyOf: HashPolicyOf,
): { listeners: Map<string, Listener>; routes: Map<string, RouteConfiguration> } {
  const listeners = new Map<string, Listener>();
  const routes = new Map<string, RouteConfiguration>();
  const gateway = config.gateways.find(
    (document) => `${document.metadata.namespace}/${document.metadata.name}` === key,
  );
  if (gateway === undefined) return { listeners, routes };
  const attached = config.routes.filter((route) => routeGatewayKeys(route).includes(key));
  const observability = hcmObservability(config.mesh);
  const retries = defaultRetries(config.mesh);
  for (const server of gateway.spec.servers) {
    const name = gatewayListenerName(key, server.port);
    listeners.set(name, serverListener(name, server, hasFaults(attached), observability));
    routes.set(name, { name, virtual_hosts: virtualHosts(gateway, server, attached, hashPolicyOf, retries) });
  }
  return { listeners, routes };
}

function virtualHosts(
  gateway: GatewayDocument,
  server: GatewayServer,
  attached: ConfigSet['routes'],
  hashPolicyOf: HashPolicyOf,
  retries: { retry_policy?: RetryPolicy },
): VirtualHost[] {
  return attached.flatMap((route) => {
    const domains = serverDomains(route, server, gateway.metadata.namespace);
    if (domains.length === 0) return [];
    const fqdn = resolveService(route.spec.host, route.metadata.namespace).fqdn;
    return [
      {
        name: `${route.metadata.namespace}/${route.metadata.name}`,
        domains,
        routes: [...ruleRoutes(route, hashPolicyOf), serviceRoute(fqdn, hashPolicyOf)],
        ...retries,
      },
    ];
  });
}

function serverListener(
  name: string,
  server: GatewayServer,
  withFaults: boolean,
  observability: HcmObservability,
): Listener {
  const hcm = httpConnectionManager(
    name,
    {
      rds: { route_config_name: name, config_source: ADS_SOURCE },
      ...observability,
      upgrade_configs: WEBSOCKET_UPGRADES,
    },
    httpFilters(withFaults),
  );
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: server.port } },
    filter_chains: [
      {
        filters: [{ name: HCM_FILTER_NAME, typed_config: hcm }],
        ...(server.tls ? { transport_socket: tlsTransportSocket(server.tls) } : {}),
      },
    ],
  };
}

// The certificate travels as file names: the gateway reads the files, which stay on its machine.
function tlsTransportSocket(tls: NonNullable<GatewayServer['tls']>): TransportSocket {
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: typedConfig<DownstreamTlsContext>(TYPE_URL.downstreamTlsContext, {
      common_tls_context: {
        tls_certificates: [
          { certificate_chain: { filename: tls.certificateFile }, private_key: { filename: tls.keyFile } },
        ],
      },
    }),
  };
}
