// Istio's TCP metrics (istio_tcp_connections_opened_total, istio_tcp_connections_closed_total,
// istio_tcp_received_bytes_total, istio_tcp_sent_bytes_total) with Istio's TCP labels: the same
// peers as the request metrics, the response flag, and request_protocol "tcp". A connection that
// never reached an endpoint is opened and closed at once with its flag (UH, UF, UO, NC), so opened
// minus closed is the connections open now, per label set. Bytes are counted when it closes, from
// the caller's side: received from the caller, sent to it.
import { Counter, type Registry } from 'prom-client';
import { PEER_LABELS, peerLabels } from './peer-labels.js';

const LABELS = [...PEER_LABELS, 'response_flags', 'request_protocol'] as const;

type Label = (typeof LABELS)[number];

/** Who a TCP connection went between, from this sidecar's point of view, and how it ended. */
export interface TcpPeers {
  reporter: 'source' | 'destination';
  /** Service short name; "unknown" when not known. */
  source: string;
  destinationFqdn: string;
  /** The caller's SPIFFE ID as the inbound listener verified it in mutual TLS; none for plaintext. */
  sourcePrincipal?: string;
}

interface Children {
  opened: ReturnType<Counter<Label>['labels']>;
  closed: ReturnType<Counter<Label>['labels']>;
  received: ReturnType<Counter<Label>['labels']>;
  sent: ReturnType<Counter<Label>['labels']>;
}

export class TcpMetrics {
  readonly #opened: Counter<Label>;
  readonly #closed: Counter<Label>;
  readonly #received: Counter<Label>;
  readonly #sent: Counter<Label>;
  readonly #children = new Map<string, Children>();

  constructor(registry: Registry) {
    const labelNames = [...LABELS];
    this.#opened = new Counter({
      name: 'istio_tcp_connections_opened_total',
      help: 'TCP connections opened, by source and destination.',
      labelNames,
      registers: [registry],
    });
    this.#closed = new Counter({
      name: 'istio_tcp_connections_closed_total',
      help: 'TCP connections closed, by source and destination.',
      labelNames,
      registers: [registry],
    });
    this.#received = new Counter({
      name: 'istio_tcp_received_bytes_total',
      help: 'Bytes received from the caller on TCP connections.',
      labelNames,
      registers: [registry],
    });
    this.#sent = new Counter({
      name: 'istio_tcp_sent_bytes_total',
      help: 'Bytes sent to the caller on TCP connections.',
      labelNames,
      registers: [registry],
    });
  }

  opened(peers: TcpPeers, flag: string): void {
    this.#of(peers, flag).opened.inc();
  }

  closed(peers: TcpPeers, flag: string, receivedBytes: number, sentBytes: number): void {
    const children = this.#of(peers, flag);
    children.closed.inc();
    children.received.inc(receivedBytes);
    children.sent.inc(sentBytes);
  }

  #of(peers: TcpPeers, flag: string): Children {
    const key = `${peers.reporter}\u0000${peers.source}\u0000${peers.destinationFqdn}\u0000${peers.sourcePrincipal}\u0000${flag}`;
    let children = this.#children.get(key);
    if (children === undefined) {
      const destination = peers.destinationFqdn.split('.', 1)[0] as string;
      const labels = {
        ...peerLabels(peers.reporter, peers.source, peers.destinationFqdn, destination, peers.sourcePrincipal),
        response_flags: flag,
        request_protocol: 'tcp',
      };
      children = {
        opened: this.#opened.labels(labels),
        closed: this.#closed.labels(labels),
        received: this.#received.labels(labels),
        sent: this.#sent.labels(labels),
      };
      this.#children.set(key, children);
    }
    return children;
  }
}
