// X.509-SVIDs made by tests, as a control plane's CA would issue them (or another CA, or with a
// lifetime already past), and an HTTP/1.1 client that calls a sidecar's inbound listener with one.
import type { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { createCertificateRequest } from '../../sidecar/src/identity/certificate-request.js';
import { loadStateDirCa } from '../../control-plane/src/identity/state-dir-ca.js';
import { SvidIssuer } from '../../control-plane/src/identity/svid-issuer.js';
import { DEFAULT_SVID_LIFETIME_MS } from '../../control-plane/src/identity/svid-lifetime.js';
import { readResult, type HttpResult } from './http.js';

export interface TestSvid {
  key: string;
  cert: string;
  /** The trust bundle of the CA that issued it. */
  ca: string;
  spiffeId: string;
  notAfter: Date;
}

/**
 * A leaf for service `service` (its service account too) from the CA in `stateDir` (made there if
 * it holds none), valid for `lifetimeMs` from now (negative: expired that long ago).
 */
export async function issueSvid(
  stateDir: string,
  service: string,
  { namespace = 'default', lifetimeMs = DEFAULT_SVID_LIFETIME_MS }: { namespace?: string; lifetimeMs?: number } = {},
): Promise<TestSvid> {
  const ca = await loadStateDirCa(stateDir, 'cluster.local', new Date());
  const issuer = new SvidIssuer({ ca, trustDomain: 'cluster.local', lifetimeMs });
  const { csrPem, privateKeyPem } = await createCertificateRequest();
  const svid = await issuer.issue(csrPem, { namespace, serviceAccount: service, service });
  return {
    key: privateKeyPem,
    cert: svid.certificateChain,
    ca: svid.trustBundle,
    spiffeId: svid.spiffeId,
    notAfter: svid.notAfter,
  };
}

/**
 * A GET to a sidecar's inbound listener at `address` in mutual TLS with `svid`, trusting `ca`
 * (the mesh's bundle); the server's identity is not checked here (a sidecar checks it on its own calls).
 */
export function mutualTlsRequest(
  address: string,
  path: string,
  svid: Pick<TestSvid, 'key' | 'cert'>,
  ca: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path,
        headers,
        key: svid.key,
        cert: svid.cert,
        ca,
        agent: false,
        timeout: 10_000,
        checkServerIdentity: () => undefined,
      },
      (res) => readResult(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${address}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The certificate a sidecar's inbound listener at `address` presents to a new mutual TLS connection with `svid`. */
export function presentedCertificate(
  address: string,
  svid: Pick<TestSvid, 'key' | 'cert'>,
  ca: string,
): Promise<X509Certificate> {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: address.slice(0, address.lastIndexOf(':')),
        port,
        key: svid.key,
        cert: svid.cert,
        ca,
        // A SPIFFE ID names the peer, not a host name: the caller compares it, not this helper.
        checkServerIdentity: () => undefined,
      },
      () => {
        const certificate = socket.getPeerX509Certificate();
        socket.end();
        if (certificate) resolve(certificate);
        else reject(new Error(`${address} presented no certificate`));
      },
    );
    socket.setTimeout(10_000, () => socket.destroy(new Error(`TLS handshake with ${address} timed out`)));
    socket.on('error', reject);
  });
}
