// Authenticates every call on the gRPC port before its handler sees it (a server interceptor, so
// the xDS server needs no change): the Config API needs an operator, the Registry and ADS a
// workload or an operator; Identity/Sign checks its caller's token itself. The verified caller
// reaches the handler in the call's metadata under CALLER_METADATA, which is removed from what
// clients send, so no client can claim to be anyone.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AuthenticationError } from '../identity/authenticator.js';
import { authenticateCall, type CallAuthentication, type Caller } from './caller.js';

export const CALLER_METADATA = 'x-pilotfish-caller';

type Admission = 'operator' | 'any' | 'self';

const ADMISSION: Record<string, Admission> = {
  'pilotfish.v1.Config': 'operator',
  'pilotfish.v1.Registry': 'any',
  'envoy.service.discovery.v3.AggregatedDiscoveryService': 'any',
  'pilotfish.v1.Identity': 'self',
};

const NEEDS_ADMIN_TOKEN =
  'config reads and changes need an operator\'s admin token: make one with "pilotfish token create --admin <name> --state-dir <dir>" and give it with --token-file or PILOTFISH_TOKEN';

/** The caller the interceptor verified; undefined when the control plane runs without authentication. */
export function callerOf(metadata: grpc.Metadata): Caller | undefined {
  const [value] = metadata.get(CALLER_METADATA);
  return typeof value === 'string' ? (JSON.parse(value) as Caller) : undefined;
}

/** Without `auth` (no --state-dir) calls pass unauthenticated, only stripped of a claimed caller. */
export function authenticationInterceptor(
  auth: CallAuthentication | undefined,
  logger: Logger,
): grpc.ServerInterceptor {
  return (method, call) => {
    const service = method.path.split('/')[1] ?? '';
    const admission = ADMISSION[service] ?? 'any';
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            metadata.remove(CALLER_METADATA);
            if (auth === undefined || admission === 'self') return forward(metadata);
            authenticateCall(metadata, call.getAuthContext().sslPeerCertificate, auth).then(
              (caller) => {
                if (admission === 'operator' && caller.kind !== 'operator') {
                  refuse(grpc.status.PERMISSION_DENIED, `${caller.spiffeId} is a workload: ${NEEDS_ADMIN_TOKEN}`);
                  return;
                }
                metadata.set(CALLER_METADATA, JSON.stringify(caller));
                forward(metadata);
              },
              (error: unknown) => {
                if (!(error instanceof AuthenticationError)) {
                  logger.error({ err: error, method: method.path }, 'authenticating a call failed');
                  refuse(grpc.status.INTERNAL, `authentication failed: ${String(error)}`);
                } else if (admission === 'operator' && metadata.get('authorization').length === 0)
                  refuse(grpc.status.UNAUTHENTICATED, NEEDS_ADMIN_TOKEN);
                else refuse(grpc.status.UNAUTHENTICATED, error.message);
              },
            );
          },
        });
      },
    });

    function refuse(code: grpc.status, details: string): void {
      logger.warn({ method: method.path, peer: call.getPeer(), reason: details }, 'call refused');
      call.sendStatus({ code, details, metadata: new grpc.Metadata() });
    }
  };
}
