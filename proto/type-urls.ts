// The type URLs of the xDS resources and filter configs this mesh uses: plain constants, so a tool
// that only names them (the CLI's proxy-config, status) does not load the Envoy protos.
export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  httpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  connectionLimit: 'type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  localRateLimit: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  rbac: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
  networkRbac: 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
  stdoutAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  downstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  rawBuffer: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  /** Our own resource type: a service's app parameters (ServiceConfig kind), named by service FQDN. */
  serviceConfig: 'type.googleapis.com/pilotfish.v1.ServiceConfig',
} as const;

/**
 * The resource types this mesh serves, in the order a client should apply them (CDS before EDS,
 * LDS before RDS). ServiceConfig stands alone; only our sidecar asks for it.
 */
export const RESOURCE_TYPE_URLS = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
  TYPE_URL.serviceConfig,
] as const;
export type ResourceTypeUrl = (typeof RESOURCE_TYPE_URLS)[number];

export function isResourceTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return (RESOURCE_TYPE_URLS as readonly string[]).includes(typeUrl);
}
