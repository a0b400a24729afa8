// A gRPC service with all four kinds of call, for tests through sidecars (JSON messages, so no
// .proto is needed): Echo (unary), Sum (client streaming), Count (server streaming), Chat
// (bidirectional). The server records the calls it saw cancelled, and can be told to fail; Echo
// returns the caller's x-note metadata in its reply. It serves grpc.health.v1 Health/Check too.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { addHealthService, SERVING } from './grpc-health.js';

export interface Note {
  text?: string;
  /** Count: how many replies; Echo: a payload whose size comes back in `size`. */
  count?: number;
  payload?: string;
  /** Count: ms between replies. */
  intervalMs?: number;
}

export interface Reply {
  from: string;
  text?: string;
  size?: number;
  index?: number;
  total?: number;
  /** Echo: the request metadata x-note, as the server received it. */
  note?: string;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as never,
};

function method(name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Note, Reply> {
  return {
    path: `/pilotfish.test.Kinds/${name}`,
    requestStream,
    responseStream,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  };
}

export const kindsService = {
  Echo: method('Echo', false, false),
  Sum: method('Sum', true, false),
  Count: method('Count', false, true),
  Chat: method('Chat', true, true),
} satisfies grpc.ServiceDefinition;

export const KindsClient = grpc.makeGenericClientConstructor(kindsService, 'Kinds');

export interface KindsServer {
  name: string;
  port: number;
  /** Calls whose handler saw the call cancelled, by method name. */
  cancelled: string[];
  /** When set, every call fails with this status before sending anything (trailers-only). */
  failWith: grpc.status | undefined;
  /** What its grpc.health.v1 Health/Check answers (SERVING at first). */
  servingStatus: number;
  stop(): Promise<void>;
}

export async function startKindsServer(name: string): Promise<KindsServer> {
  const server = new grpc.Server();
  const state: KindsServer = {
    name,
    port: 0,
    cancelled: [],
    failWith: undefined,
    servingStatus: SERVING,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  const onCancelled = (call: { on(event: 'cancelled', listener: () => void): unknown }, methodName: string) =>
    call.on('cancelled', () => state.cancelled.push(methodName));
  const failure = (): Partial<grpc.StatusObject> | undefined =>
    state.failWith === undefined ? undefined : { code: state.failWith, details: `${name} is failing on purpose` };
  const trailer = () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-served-by', name);
    return metadata;
  };
  server.addService(kindsService, {
    Echo: (call: grpc.ServerUnaryCall<Note, Reply>, callback: grpc.sendUnaryData<Reply>) => {
      const failed = failure();
      if (failed !== undefined) return callback(failed);
      if (call.request.text === 'invalid')
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'text must not be "invalid" (ünïcode kept)' });
      const note = call.metadata.get('x-note')[0] as string | undefined;
      callback(null, { from: name, text: call.request.text, size: call.request.payload?.length ?? 0, note }, trailer());
    },
    Sum: (call: grpc.ServerReadableStream<Note, Reply>, callback: grpc.sendUnaryData<Reply>) => {
      onCancelled(call, 'Sum');
      let total = 0;
      call.on('data', (note: Note) => (total += note.count ?? 0));
      call.on('end', () => callback(null, { from: name, total }, trailer()));
    },
    Count: (call: grpc.ServerWritableStream<Note, Reply>) => {
      onCancelled(call, 'Count');
      const count = call.request.count ?? 0;
      let index = 0;
      const next = () => {
        if (call.cancelled) return;
        if (index === count) {
          call.end(trailer());
          return;
        }
        call.write({ from: name, index: index++ });
        setTimeout(next, call.request.intervalMs ?? 0);
      };
      next();
    },
    Chat: (call: grpc.ServerDuplexStream<Note, Reply>) => {
      onCancelled(call, 'Chat');
      call.on('data', (note: Note) => call.write({ from: name, text: note.text }));
      call.on('end', () => call.end(trailer()));
    },
  });
  addHealthService(server, () => state.servingStatus);
  state.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
  return state;
}

/** A client of the Kinds service through `address` (a sidecar's outbound listener), with `authority` as the service host. */
export function kindsClient(address: string, authority: string): grpc.Client {
  return new KindsClient(address, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
}

type Callback = (error: grpc.ServiceError | null, reply?: Reply) => void;
type Calls = {
  Echo(note: Note, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): grpc.ClientUnaryCall;
  Sum(options: grpc.CallOptions, callback: Callback): grpc.ClientWritableStream<Note>;
  Count(note: Note, options: grpc.CallOptions): grpc.ClientReadableStream<Reply>;
  Chat(options: grpc.CallOptions): grpc.ClientDuplexStream<Note, Reply>;
};

function calls(client: grpc.Client): Calls {
  return client as unknown as Calls;
}

const deadline = (ms = 10_000) => ({ deadline: Date.now() + ms });

/** A unary Echo with `metadata`; resolves with the reply and the trailing metadata's x-served-by. */
export function echoCall(
  client: grpc.Client,
  note: Note,
  options: grpc.CallOptions = deadline(),
  metadata = new grpc.Metadata(),
): Promise<Reply & { trailer?: string }> {
  return new Promise((resolve, reject) => {
    let trailer: string | undefined;
    const call = calls(client).Echo(note, metadata, options, (error, reply) =>
      error ? reject(error) : setImmediate(() => resolve({ ...(reply as Reply), trailer })),
    );
    call.on(
      'status',
      (status: grpc.StatusObject) => (trailer = status.metadata.get('x-served-by')[0] as string | undefined),
    );
  });
}

export function sumCall(client: grpc.Client, counts: number[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const call = calls(client).Sum(deadline(), (error, reply) => (error ? reject(error) : resolve(reply as Reply)));
    for (const count of counts) call.write({ count });
    call.end();
  });
}

export function countCall(client: grpc.Client, count: number): Promise<Reply[]> {
  return collect(calls(client).Count({ count }, deadline()));
}

/** Starts a server stream that sends one reply every `intervalMs`, `count` in all. */
export function countStream(
  client: grpc.Client,
  note: Note,
  options: grpc.CallOptions,
): grpc.ClientReadableStream<Reply> {
  return calls(client).Count(note, options);
}

/** Sends each text and waits for its echo before the next (a real conversation), then ends. */
export async function chatCall(client: grpc.Client, texts: string[]): Promise<Reply[]> {
  const call = calls(client).Chat(deadline());
  const replies: Reply[] = [];
  const iterator = call[Symbol.asyncIterator]();
  for (const text of texts) {
    call.write({ text });
    const next = await iterator.next();
    replies.push(next.value as Reply);
  }
  call.end();
  while (!(await iterator.next()).done);
  return replies;
}

export function collect(stream: grpc.ClientReadableStream<Reply>): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const replies: Reply[] = [];
    stream.on('data', (reply: Reply) => replies.push(reply));
    stream.on('error', reject);
    stream.on('end', () => resolve(replies));
  });
}

/** The gRPC error `call` fails with; fails the test when it succeeds or fails otherwise. */
export async function failure(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof Error && 'code' in error, `expected a gRPC error, got ${String(error)}`);
    return error as grpc.ServiceError;
  }
  return assert.fail('the call succeeded');
}
