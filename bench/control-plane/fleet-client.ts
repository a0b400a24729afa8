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
import { writePlainDiscoveryRequest } from '../../proto/discovery-request.js';

export interface Arrival {
  at: number;
  typeUrl: string;
  resources: number;
}

const ads = aggregatedDiscoveryService.StreamAggregatedResources;
const fleetService = {
  StreamAggregatedResources: {
    ...ads,
    // ACKs written by hand (the same bytes): 5,000 streams' protobufjs encoding was the fleet's own CPU.
    requestSerialize: (request: DiscoveryRequestOut) =>
      request.node === undefined && request.error_detail === undefined
        ? writePlainDiscoveryRequest(request)
        : ads.requestSerialize(request),
    responseDeserialize: summarizeDiscoveryResponse,
  },
} satisfies grpc.ServiceDefinition;

export const FleetStub = grpc.makeGenericClientConstructor(fleetService, 'AggregatedDiscoveryService');
export type FleetChannel = InstanceType<typeof FleetStub>;

type ResponseSummary = ReturnType<typeof summarizeDiscoveryResponse>;
type FleetStream = grpc.ClientDuplexStream<DiscoveryRequestOut, ResponseSummary>;

export class FleetClient {
  readonly arrivals: Arrival[] = [];
  /** When the last response of each type arrived: what the bench polls, for 5,000 clients at once. */
  #lastArrival = new Map<string, number>();
  #stream: FleetStream;

  constructor(
    channel: FleetChannel,
    readonly id: string,
    private readonly endpointNames: string[],
  ) {
    this.#stream = (channel as unknown as { StreamAggregatedResources(): FleetStream }).StreamAggregatedResources();
    this.#stream.on('data', (response: ResponseSummary) => {
      const at = performance.now();
      this.arrivals.push({ at, typeUrl: response.type_url, resources: response.resources });
      this.#lastArrival.set(response.type_url, at);
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

  /** Whether a response of `typeUrl` arrived at or after `since`. */
  hasArrivalSince(typeUrl: string, since: number): boolean {
    return (this.#lastArrival.get(typeUrl) ?? -1) >= since;
  }

  /** When the first response of `typeUrl` after `since` arrived. */
  firstAfter(typeUrl: string, since: number): number | undefined {
    let first: number | undefined;
    for (let index = this.arrivals.length - 1; index >= 0 && (this.arrivals[index] as Arrival).at >= since; index--)
      if ((this.arrivals[index] as Arrival).typeUrl === typeUrl) first = (this.arrivals[index] as Arrival).at;
    return first;
  }

  countAfter(since: number): number {
    return this.arrivals.filter((a) => a.at >= since).length;
  }

  close(): void {
    this.#stream.cancel();
  }
}
