// A minimal gRPC service for interop tests, with JSON messages so no .proto is needed:
// /pilotfish.test.Echo/Echo answers { from: <server name>, message }.
import * as grpc from '@grpc/grpc-js';

export interface EchoRequest {
  message: string;
}

export interface EchoReply {
  from: string;
  message: string;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as never,
};

export const echoService = {
  Echo: {
    path: '/pilotfish.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');

export async function startEchoServer(name: string): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(echoService, {
    Echo: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) =>
      callback(null, { from: name, message: call.request.message }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { port, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export function echo(client: grpc.Client, message: string): Promise<EchoReply> {
  return new Promise((resolve, reject) =>
    (client as unknown as { Echo: grpc.requestCallback<EchoReply> & ((...args: unknown[]) => void) }).Echo(
      { message },
      { deadline: Date.now() + 5000 },
      (error: grpc.ServiceError | null, reply?: EchoReply) => (error ? reject(error) : resolve(reply as EchoReply)),
    ),
  );
}
