// One simulated proxy of the fleet: a real ADS stream that subscribes like a sidecar (every
// cluster, the endpoints of its services) and ACKs every response at once, recording when each
// arrived. Resources are counted, not decoded: the fleet measures the control plane, not itself.
import * as grpc from '@grpc/grpc-js';
import {
  TYPE_URL,
  aggregatedDiscoveryService,
  objectToStruct,
  summarizeDiscoveryResponse,
  type DiscoveryRequestOut,
} from '../../proto/xds.js';

export interface Arrival {
  at: number;
  typeUrl: string;
  resources: number;
}

const fleetService = {
  StreamAggregatedResources: {
    ...aggregatedDiscoveryService.StreamAggregatedResources,
    responseDeserialize: summarizeDiscoveryResponse,
  },
} satisfies grpc.ServiceDefinition;

export const FleetStub = grpc.makeGenericClientConstructor(fleetService, 'AggregatedDiscoveryService');
export type FleetChannel = InstanceType<typeof FleetStub>;

type ResponseSummary = ReturnType<typeof summarizeDiscoveryResponse>;
type FleetStream = grpc.ClientDuplexStream<DiscoveryRequestOut, ResponseSummary>;

export class FleetClient {
  readonly arrivals: Arrival[] = [];
  #stream: FleetStream;

  constructor(
    channel: FleetChannel,
    readonly id: string,
    private readonly endpointNames: string[],
  ) {
    this.#stream = (channel as unknown as { StreamAggregatedResources(): FleetStream }).StreamAggregatedResources();
    this.#stream.on('data', (response: ResponseSummary) => {
      this.arrivals.push({ at: performance.now(), typeUrl: response.type_url, resources: response.resources });
      const names = response.type_url === TYPE_URL.endpoint ? this.endpointNames : [];
      this.#stream.write({
        type_url: response.type_url,
        version_info: response.version_info,
        response_nonce: response.nonce,
        resource_names: names,
      });
    });
    this.#stream.on('error', () => undefined);
  }

  start(): void {
    const node = { id: this.id, metadata: objectToStruct({ NAMESPACE: 'default', ROLE: 'sidecar' }), locality: {} };
    this.#stream.write({ node, type_url: TYPE_URL.cluster, resource_names: [], version_info: '', response_nonce: '' });
    this.#stream.write({
      type_url: TYPE_URL.endpoint,
      resource_names: this.endpointNames,
      version_info: '',
      response_nonce: '',
    });
  }

  /** True once it has both its clusters and its endpoints. */
  get hasSnapshot(): boolean {
    return (
      this.arrivals.some((a) => a.typeUrl === TYPE_URL.cluster) &&
      this.arrivals.some((a) => a.typeUrl === TYPE_URL.endpoint)
    );
  }

  /** When the first response of `typeUrl` after `since` arrived. */
  firstAfter(typeUrl: string, since: number): number | undefined {
    return this.arrivals.find((a) => a.typeUrl === typeUrl && a.at >= since)?.at;
  }

  countAfter(since: number): number {
    return this.arrivals.filter((a) => a.at >= since).length;
  }

  close(): void {
    this.#stream.cancel();
  }
}
