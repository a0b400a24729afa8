// What telemetry needs to know of one request that only the layers below learn: the cluster it
// went to, Envoy's response flag when the proxy answered itself, the bytes relayed and the
// grpc-status of trailers. The
// listener attaches one to each response; the router and upstream layers fill it in.
import type { ServerResponse } from 'node:http';

/** Envoy's response flags this sidecar sets ("-": none). */
export type ResponseFlag = '-' | 'NR' | 'NC' | 'UH' | 'UF' | 'UC' | 'UT' | 'UO' | 'RL' | 'FI' | 'DPE';

export interface Exchange {
  startedAt: number;
  cluster: string;
  flag: ResponseFlag;
  /** Response body bytes relayed from upstream. */
  responseBytes: number;
  /** grpc-status of the response's trailers ('' when none came). */
  grpcStatus: string;
}

const kExchange = Symbol('exchange');

type WithExchange = ServerResponse & { [kExchange]?: Exchange };

export function attachExchange(res: ServerResponse, startedAt: number): Exchange {
  const exchange: Exchange = { startedAt, cluster: '', flag: '-', responseBytes: 0, grpcStatus: '' };
  (res as WithExchange)[kExchange] = exchange;
  return exchange;
}

export function exchangeOf(res: ServerResponse): Exchange | undefined {
  return (res as WithExchange)[kExchange];
}
