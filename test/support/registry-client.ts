// The Registry gRPC API as tests use it: register instances directly (apps without a sidecar).
import type * as grpc from '@grpc/grpc-js';
import type { RegisterRequest } from '../../proto/gen/pilotfish/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../../proto/gen/pilotfish/v1/RegisterResponse.js';
import type { RegistryClient } from '../../proto/gen/pilotfish/v1/Registry.js';
import { pilotfish } from '../../proto/pilotfish.js';
import { callerCredentials } from './mesh-security.js';

/** A Registry client, by default with an operator's credentials for the control plane at `address`. */
export function registryClient(
  address: string,
  credentials: grpc.ChannelCredentials = callerCredentials(address),
): RegistryClient {
  return new pilotfish.Registry(address, credentials);
}

/** A call not answered in this time fails (naming the method) instead of holding the test. */
const CALL_DEADLINE_MS = 15_000;

export function register(client: RegistryClient, request: RegisterRequest): Promise<RegisterResponse__Output> {
  return new Promise((resolve, reject) =>
    client.Register(request, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response as RegisterResponse__Output),
    ),
  );
}

export function deregister(client: RegistryClient, leaseId: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.Deregister({ lease_id: leaseId }, { deadline: Date.now() + CALL_DEADLINE_MS }, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
}
