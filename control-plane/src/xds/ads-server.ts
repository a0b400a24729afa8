// The ADS gRPC service: binds each StreamAggregatedResources call to an AdsStream and keeps the
// table of connected proxies. Delta xDS is not served: grpc-js answers it UNIMPLEMENTED.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DiscoveryRequest__Output } from '../../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import { aggregatedDiscoveryService, type DiscoveryResponseOut, type ResourceTypeUrl } from '../../../proto/xds.js';
import { AdsProtocolError, AdsStream } from './ads-stream.js';
import { ProxyStatusTable, TYPE_SHORT_NAMES, type ProxyStatus } from './proxy-status.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { XdsMetrics } from './xds-metrics.js';

export interface AdsServerOptions {
  cache: SnapshotCache;
  ensureGroup(group: string): void;
  controlPlane: string;
  logger: Logger;
  metrics?: XdsMetrics;
}

export class AdsServer {
  readonly proxies = new ProxyStatusTable();
  #nextStreamId = 1;
  #calls = new Set<grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>>();

  constructor(private readonly options: AdsServerOptions) {}

  addTo(server: grpc.Server): void {
    server.addService(aggregatedDiscoveryService, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>) =>
        this.#serve(call),
    });
  }

  /** Ends every open stream (on shutdown) so proxies reconnect elsewhere at once. */
  closeAll(): void {
    for (const call of this.#calls)
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'control plane shutting down' });
  }

  #serve(call: grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponseOut>): void {
    const { logger } = this.options;
    const stream = new AdsStream({
      streamId: this.#nextStreamId++,
      cache: this.options.cache,
      ensureGroup: this.options.ensureGroup,
      controlPlane: this.options.controlPlane,
      send: (response) => call.write(response),
      onNack: (status, typeUrl) => logNack(logger, status, typeUrl),
      metrics: this.options.metrics,
    });
    this.#calls.add(call);
    const finish = () => {
      if (!this.#calls.delete(call)) return;
      stream.close();
      if (stream.status) {
        this.proxies.remove(stream.status.streamId);
        logger.info({ node: stream.status.nodeId }, 'proxy disconnected');
      }
    };
    call.on('data', (request: DiscoveryRequest__Output) => {
      const isNew = stream.status === undefined;
      try {
        stream.onRequest(request);
      } catch (error) {
        const details = error instanceof AdsProtocolError ? error.message : `internal error: ${String(error)}`;
        if (!(error instanceof AdsProtocolError)) logger.error({ err: error }, 'ADS request failed');
        call.emit('error', {
          code: error instanceof AdsProtocolError ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
          details,
        });
        finish();
        return;
      }
      if (isNew && stream.status) {
        this.proxies.add(stream.status);
        logger.info({ node: stream.status.nodeId, group: stream.status.group }, 'proxy connected');
      }
    });
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('error', finish);
    call.on('cancelled', finish);
  }
}

function logNack(logger: Logger, status: ProxyStatus, typeUrl: ResourceTypeUrl): void {
  const type = TYPE_SHORT_NAMES[typeUrl];
  logger.warn({ node: status.nodeId, type, nack: status.types[type]?.lastNack }, 'proxy rejected config (NACK)');
}
