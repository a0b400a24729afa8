// The gRPC benchmark's targets, by the names its results and report use.
export const GRPC_DIRECT = 'direct';
/** Two bare node:http2 proxies, TLS between them (bench/peers/node-h2-proxy.ts). */
export const GRPC_PEER = 'node:http2 pair';
export const GRPC_MESH = 'mesh (2 sidecars)';
