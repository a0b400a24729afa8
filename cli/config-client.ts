// The Config API (pilotfish.v1.Config) as the CLI commands use it: one client per command, over TLS
// with the operator's admin token when given --ca-file, calls with a deadline, and refusals turned
// into errors that read as one clear line. A command loads it when it runs (its flags are in
// config-connection.ts).
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { ConfigClient } from '../proto/gen/pilotfish/v1/Config.js';
import { pilotfish } from '../proto/pilotfish.js';
import { parseHostPort } from '../shared/host-port.js';
import { checkServerName, serverNameFor } from '../shared/server-name.js';
import { readTokenFile } from '../shared/secret-file.js';
import type { ConnectionFlags } from './config-connection.js';
import { isStoreUnavailable } from '../control-plane/src/store/store-unavailable.js';

// Well past the control plane's own bound on a store operation (8 s, then UNAVAILABLE naming the
// store), so a busy control plane answers why rather than the call ending in DEADLINE_EXCEEDED.
const CALL_TIMEOUT_MS = 30_000;

/** A refusal from the control plane; `messages` are its lines (validation messages for INVALID_ARGUMENT). */
export class ConfigApiError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly messages: string[],
    address: string,
  ) {
    super(
      (code === grpc.status.UNAVAILABLE && !messages.some(isStoreUnavailable)) || code === grpc.status.DEADLINE_EXCEEDED
        ? `cannot reach the control plane at ${address}: ${messages.join('; ')}`
        : messages.join('; '),
    );
    this.name = 'ConfigApiError';
  }
}

/** Calls `method` on a Config client for the control plane `connection` names, and closes the client afterwards. */
export async function callConfig<Response>(
  connection: ConnectionFlags,
  method: (
    client: ConfigClient,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: Response) => void,
  ) => void,
): Promise<Response> {
  const address = connection.controlPlane;
  const client = new pilotfish.Config(address, credentials(connection), channelOptions(address));
  try {
    return await new Promise<Response>((resolve, reject) =>
      method(client, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) => {
        // grpc-js appends a resolver note to connection failures; the cause before it is what helps.
        if (error) {
          const messages = (error.details || error.message).replace(/\.? Resolution note:.*$/s, '').split('\n');
          if (error.code === grpc.status.UNAVAILABLE && connection.caFile === undefined)
            messages.push(
              'a control plane run with --state-dir serves TLS: give --ca-file <state-dir>/trust-bundle.pem',
            );
          reject(new ConfigApiError(error.code, messages, address));
        } else resolve(response as Response);
      }),
    );
  } finally {
    client.close();
  }
}

function credentials({ caFile, tokenFile }: ConnectionFlags): grpc.ChannelCredentials {
  const token = tokenFile === undefined ? process.env.PILOTFISH_TOKEN?.trim() : readTokenFile(tokenFile);
  if (caFile === undefined) {
    if (token)
      throw new Error(
        "an admin token is never sent in plaintext: give --ca-file (the control plane's <state-dir>/trust-bundle.pem)",
      );
    return grpc.credentials.createInsecure();
  }
  let roots: Buffer;
  try {
    roots = readFileSync(caFile);
  } catch (error) {
    throw new Error(`--ca-file ${caFile}: cannot be read`, { cause: error });
  }
  const tls = grpc.credentials.createSsl(roots, null, null, { checkServerIdentity: checkServerName });
  if (!token) return tls;
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return grpc.credentials.combineChannelCredentials(
    tls,
    grpc.credentials.createFromMetadataGenerator((_, callback) => callback(null, metadata)),
  );
}

// TLS names the server it expects by DNS name: an IP address is asked for by its reverse-DNS name
// and checked as that address (shared/server-name.ts), never sent as the server name (DEP0123).
function channelOptions(address: string): grpc.ChannelOptions {
  const serverName = serverNameFor(parseHostPort(address, '--control-plane').host);
  return serverName === undefined ? {} : { 'grpc.ssl_target_name_override': serverName };
}
