// Checks a listener's TLS transport socket (DownstreamTlsContext: one certificate and its key, by
// file name or inline) and loads it into the key and certificate a TLS server presents. Files are
// read whenever the listener arrives, so a changed Gateway brings in the files as they are then;
// a missing or unreadable file, or a key that does not fit its certificate, NACKs the listener.
// The loaded pair can read its files again (reload), for a certificate renewed in place.
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { DataSource__Output } from '../../../proto/gen/envoy/config/core/v3/DataSource.js';
import type { Listener__Output } from '../../../proto/gen/envoy/config/listener/v3/Listener.js';
import type { TransportSocket__Output } from '../../../proto/gen/envoy/config/core/v3/TransportSocket.js';
import type { DownstreamTlsContext__Output } from '../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { configError, rejectUnsupported, type ResourceRef, type UnsupportedFields } from './compile-errors.js';
import { isMutualTls } from './compile-inbound-tls.js';

/** A TLS server's own key and certificate chain (PEM), and where they come from. */
export interface ServerTls {
  key: Buffer;
  cert: Buffer;
  /** The files among them (none when inline), to watch for a renewed certificate. */
  files: readonly string[];
  /** Reads them again: the pair as the files are now, or an error naming what is wrong with it. */
  reload(): ServerTls;
}

/** What a TLS server takes of a ServerTls. */
export function secureContextOf(tls: ServerTls): Pick<SecureContextOptions, 'key' | 'cert'> {
  return { key: tls.key, cert: tls.cert };
}

const UNSUPPORTED_DOWNSTREAM: UnsupportedFields = [
  ['require_client_certificate', 'client certificates'],
  ['session_ticket_keys', 'session ticket keys'],
  ['session_ticket_keys_sds_secret_config', 'SDS'],
];
const UNSUPPORTED_COMMON: UnsupportedFields = [
  ['validation_context', 'client certificate validation'],
  ['combined_validation_context', 'client certificate validation'],
  ['validation_context_sds_secret_config', 'SDS'],
  ['tls_certificate_sds_secret_configs', 'SDS'],
  ['tls_certificate_provider_instance', 'certificate providers'],
  ['alpn_protocols', 'ALPN'],
];

export function compileDownstreamTls(resource: ResourceRef, path: string, socket: TransportSocket__Output): ServerTls {
  const context = socket.typed_config as (DownstreamTlsContext__Output & { '@type'?: string }) | undefined;
  if (context?.['@type'] !== TYPE_URL.downstreamTlsContext) {
    throw configError(
      resource,
      `${path}.typed_config`,
      `expected ${TYPE_URL.downstreamTlsContext}, got ${context?.['@type'] ?? 'none'}`,
    );
  }
  rejectUnsupported(resource, `${path}.typed_config`, context, UNSUPPORTED_DOWNSTREAM);
  const commonPath = `${path}.typed_config.common_tls_context`;
  const common = context.common_tls_context;
  if (common === undefined) throw configError(resource, commonPath, 'is required: a certificate to present');
  rejectUnsupported(resource, commonPath, common, UNSUPPORTED_COMMON);
  const certificates = common.tls_certificates ?? [];
  const certificate = certificates[0];
  if (certificates.length !== 1 || certificate === undefined)
    throw configError(
      resource,
      `${commonPath}.tls_certificates`,
      `expected one certificate, got ${certificates.length}`,
    );
  const certificatePath = `${commonPath}.tls_certificates[0]`;
  const files = [certificate.certificate_chain, certificate.private_key].flatMap((source) =>
    source?.filename ? [source.filename] : [],
  );
  const load = (): ServerTls => {
    const pair = {
      cert: readDataSource(resource, `${certificatePath}.certificate_chain`, certificate.certificate_chain),
      key: readDataSource(resource, `${certificatePath}.private_key`, certificate.private_key),
    };
    try {
      createSecureContext(pair);
    } catch (error) {
      throw configError(
        resource,
        certificatePath,
        `the certificate and key cannot be used: ${(error as Error).message}`,
      );
    }
    return { ...pair, files, reload: load };
  };
  return load();
}

/**
 * For a sidecar's listeners: a listener asking for a gateway's TLS (certificate files) is refused,
 * not served in the clear; the inbound one may ask for mutual TLS with the workload's certificate,
 * if this sidecar has one (`hasCertificate`).
 */
export function rejectDownstreamTls(
  listener: Listener__Output | undefined,
  mutualTls: 'refused' | { hasCertificate: boolean } = 'refused',
): void {
  (listener?.filter_chains ?? []).forEach((chain, index) => {
    if (!chain.transport_socket) return;
    const resource = `Listener "${listener?.name ?? ''}"`;
    const path = `filter_chains[${index}].transport_socket`;
    if (mutualTls === 'refused' || !isMutualTls(chain.transport_socket))
      throw configError(resource, path, 'TLS is served by gateways only, not on a sidecar listener');
    if (!mutualTls.hasCertificate)
      throw configError(
        resource,
        path,
        'the listener asks for mutual TLS, but this sidecar has no workload certificate (start it with --token-file)',
      );
  });
}

function readDataSource(resource: ResourceRef, path: string, source: DataSource__Output | undefined): Buffer {
  if (source?.filename) {
    try {
      return readFileSync(source.filename);
    } catch (error) {
      throw configError(
        resource,
        `${path}.filename`,
        `cannot read "${source.filename}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  if (source?.inline_string) return Buffer.from(source.inline_string);
  if (source?.inline_bytes && source.inline_bytes.length > 0) return Buffer.from(source.inline_bytes);
  throw configError(resource, path, 'needs a filename, inline_string or inline_bytes');
}
