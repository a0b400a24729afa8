// The outbound TCP listeners: one per TCP port a Service declares, named `outbound|PORT||FQDN` (as
// Istio names its clusters), at 0.0.0.0:PORT (each sidecar binds the port on its own outbound
// host), whose envoy.filters.network.tcp_proxy forwards the raw bytes to the service's cluster. The
// service's virtual IP at that port is an additional address: an intercepting sidecar's connections to it.
import type { Listener } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { TcpProxy } from '../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import { TCP_PROXY_FILTER_NAME, TYPE_URL } from '../../../proto/xds.js';
import { tcpListenerName } from '../../../shared/sidecar-listener-names.js';
import type { ConnectionPoolSpec } from '../config/destination-policy-schema.js';
import { duration } from './duration.js';
import { typedConfig } from './typed-config.js';

// Istio's default idle timeout of TCP connections.
const DEFAULT_IDLE_TIMEOUT = { seconds: 3600 };
// An endpoint that refuses or does not answer within the cluster's connect_timeout is skipped for
// the next one, twice at most.
const MAX_CONNECT_ATTEMPTS = 3;

/** `pool`: the service's DestinationPolicy connectionPool (its idleTimeout closes idle connections). */
export function tcpListener(
  port: number,
  fqdn: string,
  pool: ConnectionPoolSpec | undefined,
  virtualIp?: string,
): Listener {
  const name = tcpListenerName(port, fqdn);
  const tcpProxy = typedConfig<TcpProxy>(TYPE_URL.tcpProxy, {
    stat_prefix: name,
    cluster: fqdn,
    idle_timeout: pool?.idleTimeout === undefined ? DEFAULT_IDLE_TIMEOUT : duration(pool.idleTimeout),
    max_connect_attempts: { value: MAX_CONNECT_ATTEMPTS },
  });
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    ...(virtualIp !== undefined && {
      additional_addresses: [{ address: { socket_address: { address: virtualIp, port_value: port } } }],
    }),
    filter_chains: [
      {
        filters: [{ name: TCP_PROXY_FILTER_NAME, typed_config: tcpProxy }],
      },
    ],
  };
}
