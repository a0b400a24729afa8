// What a request's span says, in OpenTelemetry's HTTP semantic conventions plus the tags Envoy
// and Istio put on theirs (upstream_cluster, upstream_address, response_flags): the request's
// side when it arrives, the answer's side when the exchange ends. Only recording spans get here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from './semantic-conventions.js';
import { requestTarget } from '../http/request-target.js';
import { SOURCE_HEADER } from '../http/source-header.js';
import type { Exchange } from './exchange.js';
import { serviceOfCluster } from './record-request.js';

// Incubating in the semantic conventions, so copied here rather than imported (their advice).
const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
const ATTR_PEER_SERVICE = 'peer.service';

/** Splits "host:port" / "[v6]:port"; the port is undefined when absent. */
function splitAuthority(authority: string): [host: string, port: number | undefined] {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.indexOf(']', colon) !== -1) return [authority, undefined];
  const port = Number(authority.slice(colon + 1));
  const host = authority.slice(0, colon);
  return [host.startsWith('[') ? host.slice(1, -1) : host, Number.isInteger(port) ? port : undefined];
}

/** The request's side: method, path, the server it names, and (inbound) the peer that sent it. */
export function setRequestAttributes(span: Span, req: IncomingMessage, isInbound: boolean): void {
  span.setAttribute(ATTR_HTTP_REQUEST_METHOD, req.method ?? 'GET');
  span.setAttribute(ATTR_URL_SCHEME, 'http');
  span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, req.httpVersion);
  const target = requestTarget(req.url ?? '', req.headers.host, false);
  if (target !== undefined) {
    const query = target.path.indexOf('?');
    span.setAttribute(ATTR_URL_PATH, query === -1 ? target.path : target.path.slice(0, query));
    const [host, port] = splitAuthority(target.authority);
    span.setAttribute(ATTR_SERVER_ADDRESS, host);
    if (port !== undefined) span.setAttribute(ATTR_SERVER_PORT, port);
  }
  if (isInbound) {
    const { remoteAddress, remotePort } = req.socket;
    if (remoteAddress !== undefined) span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, remoteAddress);
    if (remotePort !== undefined) span.setAttribute(ATTR_NETWORK_PEER_PORT, remotePort);
    const caller = req.headers[SOURCE_HEADER];
    if (typeof caller === 'string') span.setAttribute(ATTR_PEER_SERVICE, caller);
  }
}

/**
 * The answer's side: status, where the request went (cluster, endpoint, attempts) and Envoy's
 * response flag. An answer counts as an error from 500 on a server span and from 400 on a client
 * span (the semantic conventions' rule), and when the caller left before any answer.
 */
export function setResponseAttributes(span: Span, exchange: Exchange, res: ServerResponse, isInbound: boolean): void {
  const status = res.headersSent ? res.statusCode : 0;
  if (status !== 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (exchange.cluster !== '') {
    span.setAttribute('upstream_cluster', exchange.cluster);
    if (!isInbound) span.setAttribute(ATTR_PEER_SERVICE, serviceOfCluster(exchange.cluster));
  }
  if (exchange.upstreamHost !== '') {
    span.setAttribute('upstream_address', exchange.upstreamHost);
    if (!isInbound) {
      const [address, port] = splitAuthority(exchange.upstreamHost);
      span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, address);
      if (port !== undefined) span.setAttribute(ATTR_NETWORK_PEER_PORT, port);
    }
  }
  if (exchange.attempts > 1) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, exchange.attempts - 1);
  span.setAttribute('response_flags', exchange.flag);
  if (status === 0 || status >= (isInbound ? 500 : 400)) {
    span.setAttribute(ATTR_ERROR_TYPE, status === 0 ? 'no_response' : String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
