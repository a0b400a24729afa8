// Turns one finished exchange into its Istio metric labels and values: who called whom from this
// sidecar's point of view (source on outbound, destination on inbound), how it ended, how long it
// took and how many bytes went each way.
import type { ServerResponse } from 'node:http';
import { SOURCE_HEADER } from '../http/source-header.js';
import { requestBytesOf, responseBytesOf, responseCodeOf, type Exchange } from './exchange.js';
import type { RequestMetrics } from './request-metrics.js';

/** The service this sidecar speaks for. */
export interface LocalService {
  name: string;
  fqdn: string;
}

/** The service a cluster serves: its name up to a subset's "~". */
export function serviceOfCluster(cluster: string): string {
  const tilde = cluster.indexOf('~');
  return tilde === -1 ? cluster : cluster.slice(0, tilde);
}

export function recordRequest(
  metrics: RequestMetrics,
  listener: 'inbound' | 'outbound',
  local: LocalService,
  res: ServerResponse,
  exchange: Exchange,
  now: number,
): void {
  const req = res.req;
  const isOutbound = listener === 'outbound';
  const destinationFqdn = isOutbound
    ? exchange.cluster === ''
      ? 'unknown'
      : serviceOfCluster(exchange.cluster)
    : local.fqdn;
  const caller = req.headers[SOURCE_HEADER];
  metrics.record({
    reporter: isOutbound ? 'source' : 'destination',
    source: isOutbound ? local.name : typeof caller === 'string' ? caller : 'unknown',
    destination: isOutbound ? (destinationFqdn.split('.', 1)[0] as string) : local.name,
    destinationFqdn,
    status: responseCodeOf(res, exchange),
    // In trailers, or in the headers of a trailers-only answer.
    grpcStatus: exchange.grpcStatus === '' ? String(res.getHeader('grpc-status') ?? '') : exchange.grpcStatus,
    flag: exchange.flag,
    sourcePrincipal: exchange.sourcePrincipal,
    protocol: req.headers['content-type']?.startsWith('application/grpc') === true ? 'grpc' : 'http',
    durationMs: now - exchange.startedAt,
    requestBytes: requestBytesOf(req, exchange),
    responseBytes: responseBytesOf(res, exchange),
  });
}
