// grpc.health.v1.Health/Check on a grpc-js server, for tests of gRPC health checking. The messages
// are one field each and handled as raw bytes: HealthCheckRequest { string service = 1 } and
// HealthCheckResponse { ServingStatus status = 1 } (1 SERVING, 2 NOT_SERVING).
import type * as grpc from '@grpc/grpc-js';

export const SERVING = 1;
export const NOT_SERVING = 2;

const identity = (buffer: Buffer): Buffer => buffer;

const healthService = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Answers each Check with `status(service)`; the service names asked are pushed to `asked`. */
export function addHealthService(server: grpc.Server, status: (service: string) => number, asked: string[] = []): void {
  server.addService(healthService, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      // Tag 0x0a, a one-byte length (names here are short), the name.
      const service = call.request.length > 2 ? call.request.subarray(2).toString('utf8') : '';
      asked.push(service);
      callback(null, Buffer.from([0x08, status(service)]));
    },
  });
}
