// How a sidecar or gateway reaches the control plane's gRPC port: plaintext without --ca-file (a
// control plane run without --state-dir), else TLS trusting the roots in --ca-file, showing the
// workload's X.509-SVID as client certificate (the renewed one for each new connection), or, for a
// proxy without one, sending its bootstrap token as call metadata. A replica dialled by IP address is
// checked for that address (shared/server-name.ts).
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { readTokenFile } from '../../../shared/secret-file.js';
import { checkServerName } from '../../../shared/server-name.js';
import type { WorkloadCertificate, WorkloadCertificateState } from './workload-certificate.js';

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

export interface ControlPlaneTrust {
  /** PEM roots the control plane's certificate is checked against (--ca-file); plaintext when undefined. */
  caFile?: string;
  /** A bootstrap token (--token-file): sent as call metadata when there is no certificate to show. */
  tokenFile?: string;
  /** Over how long the renewals that a change of the roots in caFile brings are spread (--roots-change-spread). */
  rootsChangeSpreadMs?: number;
}

/** The roots in `caFile`; throws naming the file when it holds none. */
export function readCaFile(caFile: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(caFile);
  } catch (error) {
    throw new Error(`--ca-file ${caFile}: cannot be read`, { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`--ca-file ${caFile}: holds no PEM certificate (give the control plane's trust-bundle.pem)`);
  return pem;
}

/** A token read at each call, so a rotated token file is picked up; one that others may read is refused. */
export async function bearerMetadata(tokenFile: string): Promise<grpc.Metadata> {
  const token = readTokenFile(tokenFile);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Channel credentials for the control plane; with `certificate`, connections wait until it has its first SVID. */
export function controlPlaneCredentials(
  trust: ControlPlaneTrust,
  certificate?: WorkloadCertificate,
): grpc.ChannelCredentials {
  if (trust.caFile === undefined) return grpc.credentials.createInsecure();
  const provider = new SvidProvider(readCaFile(trust.caFile), certificate);
  const channel = grpc.experimental.createCertificateProviderChannelCredentials(
    provider,
    certificate === undefined ? null : provider,
    { checkServerIdentity: checkServerName },
  );
  const { tokenFile } = trust;
  if (certificate !== undefined || tokenFile === undefined) return channel;
  return channel.compose(
    grpc.credentials.createFromMetadataGenerator((_, callback) =>
      bearerMetadata(tokenFile).then(
        (metadata) => callback(null, metadata),
        (error: Error) => callback(error),
      ),
    ),
  );
}

/** The roots to trust (--ca-file's, and the bundle each SVID comes with) and the current SVID, for grpc-js. */
class SvidProvider implements grpc.experimental.CertificateProvider {
  #ca: grpc.experimental.CaCertificateUpdate;
  #identity: grpc.experimental.IdentityCertificateUpdate | undefined;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();

  constructor(
    private readonly caFileRoots: Buffer,
    certificate: WorkloadCertificate | undefined,
  ) {
    this.#ca = { caCertificate: caFileRoots };
    if (certificate?.current) this.#update(certificate.current);
    certificate?.onChange((state) => this.#update(state));
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    listener(this.#ca);
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    if (this.#identity) listener(this.#identity);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  #update(state: WorkloadCertificateState): void {
    // The CA's bundle carries a root being rotated in before the control plane's certificate uses it.
    this.#ca = { caCertificate: Buffer.concat([this.caFileRoots, Buffer.from('\n' + state.trustBundle)]) };
    this.#identity = {
      certificate: Buffer.from(state.certificateChain),
      privateKey: Buffer.from(state.privateKeyPem),
    };
    for (const listener of this.#caListeners) listener(this.#ca);
    for (const listener of this.#identityListeners) listener(this.#identity);
  }
}
