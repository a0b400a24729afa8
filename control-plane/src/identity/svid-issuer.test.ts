import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCertificateRequest } from '../../../sidecar/src/identity/certificate-request.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { loadStateDirCa } from './state-dir-ca.js';
import { SvidIssuer } from './svid-issuer.js';
import { x509 } from './x509.js';

describe('SVID lifetime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-svid-'));
  const identity = { namespace: 'shop', serviceAccount: 'backend', service: 'backend' };
  // Whole seconds, as X.509 times carry them.
  const now = Date.parse('2026-12-07T03:00:00Z');
  let ca: CertificateAuthority;

  before(async () => {
    ca = await loadStateDirCa(join(dir, 'state'), 'cluster.local', new Date(now));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const issue = async (issuer: SvidIssuer) => {
    const svid = await issuer.issue((await createCertificateRequest()).csrPem, identity);
    return { svid, leaf: new x509.X509Certificate(svid.certificateChain) };
  };

  it('issues 24 h leaves by default, backdated two minutes', async () => {
    const { svid, leaf } = await issue(new SvidIssuer({ ca, trustDomain: 'cluster.local', now: () => now }));
    assert.equal(leaf.notAfter.getTime(), now + 24 * 3_600_000);
    assert.equal(svid.notAfter.getTime(), leaf.notAfter.getTime());
    assert.equal(leaf.notBefore.getTime(), now - 120_000);
  });

  it('issues leaves valid as long as --workload-cert-ttl says', async () => {
    const issuer = new SvidIssuer({ ca, trustDomain: 'cluster.local', lifetimeMs: 600_000, now: () => now });
    const { svid, leaf } = await issue(issuer);
    assert.equal(leaf.notAfter.getTime(), now + 600_000);
    assert.equal(svid.notAfter.getTime(), now + 600_000);
  });

  it('never past the CA certificate that signs it', async () => {
    const caEnd = ca.certificate.notAfter.getTime();
    const issuer = new SvidIssuer({ ca, trustDomain: 'cluster.local', now: () => caEnd - 3_600_000 });
    const { leaf } = await issue(issuer);
    assert.equal(leaf.notAfter.getTime(), caEnd);
  });
});
