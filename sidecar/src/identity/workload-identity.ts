// What a sidecar or gateway with a bootstrap token (--token-file) holds of its identity: its
// X.509-SVID, asked of the control plane and renewed; the credentials its control-plane calls show
// (the SVID once it has one); and the SVID as TLS, for mutual TLS with peers' sidecars. When the
// control plane's roots in --ca-file change (a root rotation), the SVID is renewed within seconds.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { readTokenFile } from '../../../shared/secret-file.js';
import type { ControlPlanes } from '../xds/control-planes.js';
import { controlPlaneCredentials, type ControlPlaneTrust } from './control-plane-credentials.js';
import { IdentityClient } from './identity-client.js';
import { followTrustBundleFile, type TrustBundleFile } from './trust-bundle-file.js';
import { WorkloadCertificate, type WorkloadCertificateState } from './workload-certificate.js';
import { WorkloadTls } from './workload-tls.js';

export interface WorkloadIdentity {
  certificate: WorkloadCertificate;
  /** For control-plane calls: the SVID once issued (calls wait for it). */
  credentials: grpc.ChannelCredentials;
  tls: WorkloadTls;
  /** For endpoints reached in mutual TLS: the SVID, and where refused handshakes are reported. */
  upstream: { workload: WorkloadTls; onFailure(error: Error): void };
  /** `cached`: a certificate this workload held before it restarted, still valid (WorkloadCertificate.start). */
  start(cached?: WorkloadCertificateState): void;
  stop(): void;
}

/** The identity of a proxy with a token; undefined without one (a mesh without a CA). */
export function workloadIdentity(
  controlPlanes: ControlPlanes,
  trust: ControlPlaneTrust,
  logger: Logger,
): WorkloadIdentity | undefined {
  if (trust.tokenFile === undefined) return undefined;
  // Read again at each use (a token may be rotated); checked now so a bad file stops the start, saying why.
  readTokenFile(trust.tokenFile);
  const client = new IdentityClient(controlPlanes, trust.tokenFile, controlPlaneCredentials({ caFile: trust.caFile }));
  const certificate: WorkloadCertificate = new WorkloadCertificate({
    // A renewal proves the identity with the certificate still held (the token may have expired).
    sign: (csr) => client.sign(csr, isValid(certificate.current) ? credentials : undefined),
    logger,
    rootsChangeSpreadMs: trust.rootsChangeSpreadMs,
  });
  const credentials = controlPlaneCredentials({ caFile: trust.caFile }, certificate);
  const tls = new WorkloadTls(certificate);
  const { caFile } = trust;
  let trustBundle: TrustBundleFile | undefined;
  return {
    certificate,
    credentials,
    tls,
    upstream: {
      workload: tls,
      onFailure: (error) => logger.warn({ reason: error.message }, 'mutual TLS to a peer refused'),
    },
    start(cached) {
      certificate.start(cached);
      trustBundle =
        caFile === undefined
          ? undefined
          : followTrustBundleFile(
              caFile,
              () => {
                const spreadSeconds = certificate.rootsChangeSpreadMs / 1000;
                logger.info(
                  { caFile, spreadSeconds },
                  `the control plane's roots changed: renewing the workload certificate within ${spreadSeconds} s`,
                );
                certificate.renewSoon();
              },
              (error) => logger.warn({ reason: error.message }, 'cannot follow the control plane roots in --ca-file'),
            );
    },
    stop() {
      trustBundle?.stop();
      certificate.stop();
      client.close();
    },
  };
}

/** The control plane's channel credentials: with an identity, its SVID once issued (calls wait for it). */
export function identityCredentials(
  trust: ControlPlaneTrust,
  identity: WorkloadIdentity | undefined,
): grpc.ChannelCredentials {
  return identity?.credentials ?? controlPlaneCredentials(trust);
}

function isValid(certificate: WorkloadCertificateState | undefined): boolean {
  return certificate !== undefined && certificate.notAfter.getTime() > Date.now();
}
