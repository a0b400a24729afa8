// The pilotfish.v1.Identity gRPC service: signs the caller's CSR into an X.509-SVID for the caller's
// identity. A workload proves it with its bootstrap or Kubernetes token the first time, and renews
// with the certificate it holds (its TLS client certificate, verified against the trust bundle), so
// it keeps its identity after a bootstrap token has expired.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IdentityHandlers } from '../../../proto/gen/pilotfish/v1/Identity.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import { AuthenticationError } from '../identity/authenticator.js';
import { InvalidCsrError } from '../identity/csr.js';
import type { SvidIssuer } from '../identity/svid-issuer.js';
import { authenticateCall, type CallAuthentication, type WorkloadCaller } from './caller.js';

export function addIdentityService(
  server: grpc.Server,
  issuer: SvidIssuer,
  auth: CallAuthentication,
  logger: Logger,
): void {
  const handlers: IdentityHandlers = {
    Sign(call, callback) {
      workloadOf(call.metadata, call.getAuthContext().sslPeerCertificate, auth)
        .then(async (caller) => {
          const svid = await issuer.issue(call.request.csr ?? '', caller);
          logger.info(
            {
              spiffeId: svid.spiffeId,
              notAfter: svid.notAfter,
              authenticatedBy: caller.authenticatedBy,
              peer: call.getPeer(),
            },
            'certificate issued',
          );
          callback(null, {
            certificate_chain: svid.certificateChain,
            trust_bundle: svid.trustBundle,
            spiffe_id: svid.spiffeId,
            not_after: svid.notAfter.toISOString(),
          });
        })
        .catch((error: unknown) => {
          const status = asStatus(error);
          logger.warn({ peer: call.getPeer(), reason: status.details }, 'certificate refused');
          callback(status);
        });
    },
  };
  server.addService(pilotfish.Identity.service, handlers);
}

async function workloadOf(...call: Parameters<typeof authenticateCall>): Promise<WorkloadCaller> {
  const caller = await authenticateCall(...call);
  if (caller.kind === 'operator')
    throw new AuthenticationError(`admin token ${caller.name} names an operator: certificates are for workloads`);
  return caller;
}

function asStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof AuthenticationError) return { code: grpc.status.UNAUTHENTICATED, details: error.message };
  if (error instanceof InvalidCsrError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  return { code: grpc.status.INTERNAL, details: `signing failed: ${String(error)}` };
}
