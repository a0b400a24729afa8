// Asks the control plane's pilotfish.v1.Identity to sign a CSR, proving who this workload is with
// the certificate it holds (a renewal), or else with the token in --token-file (read at each
// request, so a rotated token file is picked up): a bootstrap token may expire long before the
// workload stops renewing.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import type { IdentityClient as GrpcIdentityClient } from '../../../proto/gen/pilotfish/v1/Identity.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import type { ControlPlanes } from '../xds/control-planes.js';
import { bearerMetadata } from './control-plane-credentials.js';
import type { SignedCertificate } from './workload-certificate.js';

const SIGN_DEADLINE_MS = 10_000;

export class IdentityClient {
  readonly #clients = new Map<grpc.ChannelCredentials, { client: GrpcIdentityClient; address: string }>();

  /** Asks the control-plane replica in use (the one the ADS stream picked). */
  constructor(
    private readonly controlPlanes: ControlPlanes,
    private readonly tokenFile: string,
    private readonly credentials: grpc.ChannelCredentials,
  ) {}

  /**
   * `holder`: credentials that show the certificate this workload holds now, when it holds a valid
   * one; the token is the fallback when the control plane does not take it (say, a rotated root).
   */
  async sign(csrPem: string, holder?: grpc.ChannelCredentials): Promise<SignedCertificate> {
    if (holder !== undefined) {
      try {
        return await this.#sign(csrPem, holder, new grpc.Metadata());
      } catch {
        // Proven with the token below; its error is the one worth reporting.
      }
    }
    return this.#sign(csrPem, this.credentials, await bearerMetadata(this.tokenFile));
  }

  async #sign(
    csrPem: string,
    credentials: grpc.ChannelCredentials,
    metadata: grpc.Metadata,
  ): Promise<SignedCertificate> {
    const client = this.#clientOf(await this.controlPlanes.chosen(), credentials);
    return new Promise((resolve, reject) =>
      client.Sign({ csr: csrPem }, metadata, { deadline: Date.now() + SIGN_DEADLINE_MS }, (error, response) => {
        if (error || !response) {
          reject(new Error(`the control plane did not sign: ${error?.details ?? 'no answer'}`, { cause: error }));
          return;
        }
        try {
          resolve(readSigned(response.certificate_chain ?? '', response.trust_bundle ?? ''));
        } catch (readError) {
          reject(readError instanceof Error ? readError : new Error(String(readError)));
        }
      }),
    );
  }

  close(): void {
    for (const { client } of this.#clients.values()) client.close();
  }

  #clientOf(address: string, credentials: grpc.ChannelCredentials): GrpcIdentityClient {
    const held = this.#clients.get(credentials);
    if (held?.address === address) return held.client;
    held?.client.close();
    const client = new pilotfish.Identity(address, credentials, this.controlPlanes.channelOptionsFor(address));
    this.#clients.set(credentials, { client, address });
    return client;
  }
}

/** The identity and expiry as the leaf itself says them (its one URI SAN, its notAfter). */
function readSigned(certificateChain: string, trustBundle: string): SignedCertificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificateChain);
  } catch (error) {
    throw new Error('the control plane answered with no readable certificate', { cause: error });
  }
  const uri = /^URI:(spiffe:\/\/\S+)$/.exec(leaf.subjectAltName ?? '');
  if (!uri) throw new Error(`the certificate names no single SPIFFE ID (${leaf.subjectAltName ?? 'no SAN'})`);
  return { certificateChain, trustBundle, spiffeId: uri[1] as string, notAfter: new Date(leaf.validTo) };
}
