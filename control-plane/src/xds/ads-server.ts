// The ADS gRPC service: binds each StreamAggregatedResources call to an AdsStream and keeps the
// table of connected proxies. Delta xDS is not served: grpc-js answers it UNIMPLEMENTED.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DiscoveryRequest__Output } from '../../../proto/gen/envoy/service/discovery/v3/DiscoveryRequest.js';
import { aggregatedDiscoveryService, type ResourceTypeUrl } from '../../../proto/xds.js';
import { AdsPermissionError, AdsProtocolError, AdsStream, type NodeClaim } from './ads-stream.js';
import { ProxyStatusTable, TYPE_SHORT_NAMES, type ProxyStatus } from './proxy-status.js';
import { responseWriter, type AdsCall } from './response-writer.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { WarmUp } from './warm-up.js';
import type { XdsMetrics } from './xds-metrics.js';

export interface AdsServerOptions {
  cache: SnapshotCache;
  ensureGroup(group: string): void;
  /** A sidecar's or proxyless client's node group (AdsStreamOptions.groupOf). */
  groupOf?(namespace: string, service: string): string;
  controlPlane: string;
  logger: Logger;
  metrics?: XdsMetrics;
  warmUp?: WarmUp;
  /** Why the caller of a stream (its verified identity is in `metadata`) may not get `claim`'s config. */
  refuseNode?(metadata: grpc.Metadata, claim: NodeClaim): string | undefined;
}

export class AdsServer {
  readonly proxies = new ProxyStatusTable();
  #nextStreamId = 1;
  #calls = new Set<AdsCall>();
  #streams = new Set<AdsStream>();

  constructor(private readonly options: AdsServerOptions) {}

  addTo(server: grpc.Server): void {
    server.addService(aggregatedDiscoveryService, {
      StreamAggregatedResources: (call: AdsCall) => this.#serve(call),
    });
  }

  /** Ends every open stream (on shutdown) so proxies reconnect elsewhere at once. */
  closeAll(): void {
    for (const call of this.#calls)
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'control plane shutting down' });
  }

  /** Moves each stream to the group its node belongs to now: call after the config changed. */
  regroup(): void {
    for (const stream of this.#streams) stream.regroup();
  }

  #serve(call: AdsCall): void {
    const { logger } = this.options;
    const stream = new AdsStream({
      streamId: this.#nextStreamId++,
      cache: this.options.cache,
      ensureGroup: this.options.ensureGroup,
      groupOf: this.options.groupOf,
      controlPlane: this.options.controlPlane,
      send: responseWriter(call),
      onNack: (status, typeUrl) => logNack(logger, status, typeUrl),
      metrics: this.options.metrics,
      warmUp: this.options.warmUp,
      refuseNode: (claim) => this.options.refuseNode?.(call.metadata, claim),
    });
    this.#calls.add(call);
    this.#streams.add(stream);
    const finish = () => {
      if (!this.#calls.delete(call)) return;
      this.#streams.delete(stream);
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
        call.emit('error', asStatus(error, logger));
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

function asStatus(error: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (error instanceof AdsPermissionError) {
    logger.warn({ reason: error.message }, 'ADS stream refused');
    return { code: grpc.status.PERMISSION_DENIED, details: error.message };
  }
  if (error instanceof AdsProtocolError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  logger.error({ err: error }, 'ADS request failed');
  return { code: grpc.status.INTERNAL, details: `internal error: ${String(error)}` };
}

function logNack(logger: Logger, status: ProxyStatus, typeUrl: ResourceTypeUrl): void {
  const type = TYPE_SHORT_NAMES[typeUrl];
  logger.warn({ node: status.nodeId, type, nack: status.types[type]?.lastNack }, 'proxy rejected config (NACK)');
}
