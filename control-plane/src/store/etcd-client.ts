// The etcd v3 client the etcd store talks through: endpoints, TLS, and a deadline on every call, so
// an unreachable etcd fails a write within seconds with StoreUnavailableError instead of hanging it.
import { readFileSync } from 'node:fs';
import { Etcd3, isRecoverableError, GRPCDeadlineExceededError } from 'etcd3';
import { StoreUnavailableError } from './store-unavailable.js';

const CALL_TIMEOUT_MS = 5000;
// The whole operation, tries on other members included: past etcd's own request timeout after a
// leader is lost (5 s + 2 election timeouts; the retry then succeeds), below callers' 10 s deadlines.
const OPERATION_TIMEOUT_MS = 8000;
const WATCH_RETRY_MIN_MS = 100;
const WATCH_RETRY_MAX_MS = 2000;
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

export interface EtcdConnection {
  /** `host:port` of each member. */
  endpoints: string[];
  /** PEM files: the CA that signed the members' certificates, and this client's certificate and key. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export function createEtcdClient(connection: EtcdConnection): Etcd3 {
  const isTls = connection.caFile !== undefined;
  return new Etcd3({
    hosts: connection.endpoints.map((endpoint) => `${isTls ? 'https' : 'http'}://${endpoint}`),
    credentials: isTls
      ? {
          rootCertificate: readPem(connection.caFile, '--etcd-ca'),
          certChain: connection.certFile === undefined ? undefined : readPem(connection.certFile, '--etcd-cert'),
          privateKey: connection.keyFile === undefined ? undefined : readPem(connection.keyFile, '--etcd-key'),
        }
      : undefined,
    // The first read of the store holds every config history entry, each a whole document set.
    grpcOptions: { 'grpc.max_receive_message_length': MAX_RESPONSE_BYTES },
    // Streams (watch, lease keep-alive) live as long as the store; single calls get a deadline.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
    faultHandling: { watchBackoff: new WatchBackoff(WATCH_RETRY_MIN_MS) },
  });
}

/**
 * How long the watch waits before it reconnects: doubling, capped at 2 s. etcd3's default grows to
 * 30 s, so a replica followed the others' writes up to 30 s after etcd returned from an outage.
 */
class WatchBackoff {
  constructor(readonly duration: number) {}

  next(): WatchBackoff {
    return new WatchBackoff(Math.min(this.duration * 2, WATCH_RETRY_MAX_MS));
  }
}

/**
 * Runs one etcd operation; an etcd that cannot be reached becomes StoreUnavailableError naming `what`.
 * The deadline bounds the whole operation: etcd3 retries a failed call on other members (each try
 * with its own deadline), which took a config write past its caller's deadline with every member down.
 */
export async function callEtcd<T>(what: string, storeName: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(what, storeName, `etcd did not answer within ${OPERATION_TIMEOUT_MS} ms`)),
      OPERATION_TIMEOUT_MS,
    );
  });
  const running = run();
  // Its outcome after the deadline is no one's: only the race's is.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (isUnreachable(error)) throw new StoreUnavailableError(what, storeName, error);
    throw new Error(`${what} failed in the store (${storeName}): ${String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // cockatiel's open circuit breaker: etcd3 stops calling a member that failed several calls in a row.
  return (
    isRecoverableError(error) ||
    error instanceof GRPCDeadlineExceededError ||
    error.constructor.name === 'BrokenCircuitError'
  );
}

function readPem(file: string | undefined, flag: string): Buffer {
  try {
    return readFileSync(file ?? '');
  } catch (error) {
    throw new Error(`${flag}: cannot read ${file}`, { cause: error });
  }
}
