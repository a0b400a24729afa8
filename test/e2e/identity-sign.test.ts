import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { x509 } from '../../control-plane/src/identity/x509.js';
import type { IdentityClient } from '../../proto/gen/pilotfish/v1/Identity.js';
import type { SignResponse__Output } from '../../proto/gen/pilotfish/v1/SignResponse.js';
import { pilotfish } from '../../proto/pilotfish.js';
import { pem } from '../../sidecar/src/identity/der.js';
import { startControlPlane, type ControlPlaneProcess } from '../support/processes.js';
import { tokenCredentials } from '../support/control-plane-credentials.js';
import { createToken } from '../support/tokens.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function csr(options: { name?: string; sans?: string[]; tamper?: boolean } = {}): Promise<string> {
  return (await keyAndCsr(options)).csr;
}

/** A P-256 key (PKCS#8 PEM) and a CSR signed with it. */
async function keyAndCsr(
  options: { name?: string; sans?: string[]; tamper?: boolean } = {},
): Promise<{ keyPem: string; csr: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const keyPem = pem('PRIVATE KEY', Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)));
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.name ?? '',
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: options.sans
      ? [new x509.SubjectAlternativeNameExtension(options.sans.map((value) => ({ type: 'url' as const, value })))]
      : [],
  });
  if (!options.tamper) return { keyPem, csr: request.toString('pem') };
  const der = Buffer.from(request.rawData);
  der[der.length - 1] = (der[der.length - 1] as number) ^ 0xff;
  return { keyPem, csr: new x509.Pkcs10CertificateRequest(der).toString('pem') };
}

/** Calls Sign over TLS showing `certificatePem` (held with `keyPem`) as client certificate, with no token. */
function signHolding(
  caFile: string,
  address: string,
  keyPem: string,
  certificatePem: string,
  csrPem: string,
): Promise<SignResponse__Output> {
  const credentials = grpc.credentials.createSsl(
    readFileSync(caFile),
    Buffer.from(keyPem),
    Buffer.from(certificatePem),
  );
  const holder = new pilotfish.Identity(address, credentials);
  return new Promise<SignResponse__Output>((resolve, reject) =>
    holder.Sign({ csr: csrPem }, (error, response) =>
      error ? reject(error) : resolve(response as SignResponse__Output),
    ),
  ).finally(() => holder.close());
}

describe('pilotfish.v1.Identity/Sign', () => {
  let dir: string;
  let controlPlane: ControlPlaneProcess;
  let client: IdentityClient;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-identity-'));
    const stateDir = join(dir, 'state');
    token = await createToken(stateDir, ['--service', 'backend', '--namespace', 'shop']);
    controlPlane = await startControlPlane(['--state-dir', stateDir, '--trust-domain', 'example.org']);
    client = new pilotfish.Identity(controlPlane.grpc, tokenCredentials(controlPlane.caFile as string));
  });
  after(async () => {
    client?.close();
    await controlPlane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function sign(csrPem: string, bearer: string | null = token): Promise<SignResponse__Output> {
    const metadata = new grpc.Metadata();
    if (bearer !== null) metadata.set('authorization', `Bearer ${bearer}`);
    return new Promise((resolve, reject) =>
      client.Sign({ csr: csrPem }, metadata, (error, response) =>
        error ? reject(error) : resolve(response as SignResponse__Output),
      ),
    );
  }

  it("issues a 24 h X.509-SVID for the token's identity, not the name the CSR asks for, that the trust bundle verifies", async () => {
    const before = Date.now();
    const response = await sign(await csr({ name: 'CN=payments' }));
    const leaf = new X509Certificate(response.certificate_chain ?? '');
    const root = new X509Certificate(response.trust_bundle ?? '');
    assert.equal(response.spiffe_id, 'spiffe://example.org/ns/shop/sa/backend');
    assert.equal(leaf.subjectAltName, 'URI:spiffe://example.org/ns/shop/sa/backend');
    // The subject names the token's service (whose instances the holder may register), never the CSR's name.
    assert.equal(leaf.subject, 'CN=backend');
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(root.publicKey));
    assert.ok(leaf.checkIssued(root));
    assert.deepEqual(leaf.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const parsed = new x509.X509Certificate(response.certificate_chain ?? '');
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.equal(usage?.critical, true);
    const validFrom = Date.parse(leaf.validFrom);
    const validTo = Date.parse(leaf.validTo);
    assert.ok(
      validFrom < before - 55_000 && validFrom > before - 180_000,
      `backdated a minute or two: ${leaf.validFrom}`,
    );
    assert.ok(Math.abs(validTo - Date.now() - 24 * 3_600_000) < 60_000, `valid 24 h: ${leaf.validTo}`);
    assert.equal(Date.parse(response.not_after ?? ''), validTo);
  });

  const malformed: [string, () => Promise<string>, RegExp][] = [
    ['no CSR', () => Promise.resolve(''), /no CSR/],
    [
      'a CSR that is not PKCS#10',
      () => Promise.resolve('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'),
      /not a PEM PKCS#10/,
    ],
    ['a CSR whose signature does not verify', () => csr({ tamper: true }), /signature does not verify/],
    [
      'a CSR that asks for other names',
      () => csr({ sans: ['spiffe://example.org/ns/payments/sa/admin'] }),
      /asks for names \(url:spiffe:\/\/example.org\/ns\/payments\/sa\/admin\)/,
    ],
  ];
  for (const [what, make, reason] of malformed)
    it(`refuses ${what} with INVALID_ARGUMENT saying why`, async () => {
      await assert.rejects(sign(await make()), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(error.details, reason);
        return true;
      });
    });

  it('refuses a caller without a token, or with a forged one, with UNAUTHENTICATED', async () => {
    const request = await csr();
    await assert.rejects(sign(request, null), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      assert.match(error.details, /no credentials/);
      return true;
    });
    const [header, , signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ iss: 'pilotfish', aud: 'pilotfish', sub: 'payments' })).toString(
      'base64url',
    );
    await assert.rejects(sign(request, `${header}.${forged}.${signature}`), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      assert.match(error.details, /signature does not verify/);
      return true;
    });
  });

  it('renews with the certificate the workload holds and no token, for the same identity (a bootstrap token may have expired)', async () => {
    const first = await keyAndCsr();
    const issued = await sign(first.csr);
    const next = await keyAndCsr();
    const caFile = controlPlane.caFile as string;
    const renewed = await signHolding(
      caFile,
      controlPlane.grpc,
      first.keyPem,
      issued.certificate_chain ?? '',
      next.csr,
    );
    assert.equal(renewed.spiffe_id, 'spiffe://example.org/ns/shop/sa/backend');
    assert.equal(new X509Certificate(renewed.certificate_chain ?? '').subject, 'CN=backend');
    assert.match(
      controlPlane.logs(),
      /"authenticatedBy":"client certificate"[^\n]*"certificate issued"|"certificate issued"[^\n]*"authenticatedBy":"client certificate"/,
    );
  });

  it('takes no certificate its trust bundle did not issue, and gives none for an admin token', async () => {
    const forged = await keyAndCsr();
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const selfSigned = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=backend',
      keys,
      signingAlgorithm: ALGORITHM,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org/ns/shop/sa/backend' }]),
      ],
    });
    const keyPem = pem('PRIVATE KEY', Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)));
    await assert.rejects(
      signHolding(controlPlane.caFile as string, controlPlane.grpc, keyPem, selfSigned.toString('pem'), forged.csr),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAUTHENTICATED);
        return true;
      },
    );
    const admin = await createToken(join(dir, 'state'), ['--admin', 'ops']);
    await assert.rejects(sign(forged.csr, admin), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      assert.match(error.details, /names an operator: certificates are for workloads/);
      return true;
    });
  });
});
