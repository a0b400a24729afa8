// The Config API (pilotfish.v1.Config) as the CLI commands use it: one client per command, calls
// with a deadline, and refusals turned into errors that read as one clear line.
import * as grpc from '@grpc/grpc-js';
import { userInfo } from 'node:os';
import type { ConfigClient } from '../proto/gen/pilotfish/v1/Config.js';
import { pilotfish } from '../proto/pilotfish.js';
import { KINDS } from '../control-plane/src/config/config-documents.js';

export const CONTROL_PLANE_OPTION = [
  '--control-plane <host:port>',
  "the control plane's gRPC address",
  '127.0.0.1:15010',
] as const;
export const AUTHOR_OPTION = [
  '--author <name>',
  'who makes the change, for the history (default: cli:<your user name>)',
] as const;

const CALL_TIMEOUT_MS = 10_000;

/** A refusal from the control plane; `messages` are its lines (validation messages for INVALID_ARGUMENT). */
export class ConfigApiError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly messages: string[],
    address: string,
  ) {
    super(
      code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED
        ? `cannot reach the control plane at ${address}: ${messages.join('; ')}`
        : messages.join('; '),
    );
    this.name = 'ConfigApiError';
  }
}

/** Calls `method` on a Config client for `address` and closes the client afterwards. */
export async function callConfig<Response>(
  address: string,
  method: (
    client: ConfigClient,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: Response) => void,
  ) => void,
): Promise<Response> {
  const client = new pilotfish.Config(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<Response>((resolve, reject) =>
      method(client, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) => {
        // grpc-js appends a resolver note to connection failures; the cause before it is what helps.
        if (error)
          reject(
            new ConfigApiError(
              error.code,
              (error.details || error.message).replace(/\.? Resolution note:.*$/s, '').split('\n'),
              address,
            ),
          );
        else resolve(response as Response);
      }),
    );
  } finally {
    client.close();
  }
}

export function defaultAuthor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** `route`, `routes`, `Route`, `destinationpolicies` → the kind as the API names it. */
export function resolveKind(value: string): string {
  const lower = value.toLowerCase();
  const kind = KINDS.find((known) => {
    const name = known.toLowerCase();
    return lower === name || lower === `${name}s` || (name.endsWith('y') && lower === `${name.slice(0, -1)}ies`);
  });
  if (kind === undefined) throw new Error(`"${value}" is not a kind this control plane knows (${KINDS.join(', ')})`);
  return kind;
}
