import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCertificateRequest } from './certificate-request.js';
import { tlv } from './der.js';

const openssl = (args: string[], input: string) =>
  execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

describe('certificate request', () => {
  it('is a PKCS #10 request OpenSSL verifies, with no name, signed by the key it carries', async () => {
    const { csrPem, privateKeyPem } = await createCertificateRequest();
    assert.match(openssl(['req', '-noout', '-verify', '-subject'], csrPem), /subject=\s*$/m);
    const carried = createPublicKey(openssl(['req', '-noout', '-pubkey'], csrPem));
    const held = createPublicKey(createPrivateKey(privateKeyPem));
    assert.ok(carried.equals(held), 'the CSR carries the public half of the key the sidecar keeps');
    assert.equal(held.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(openssl(['req', '-noout', '-text'], csrPem), /Signature Algorithm: ecdsa-with-SHA256/);
  });

  it('makes a new key each time', async () => {
    const [a, b] = await Promise.all([createCertificateRequest(), createCertificateRequest()]);
    assert.notEqual(a.privateKeyPem, b.privateKeyPem);
  });

  it('writes lengths of 128 bytes and more in the long form', () => {
    assert.deepEqual([...tlv(0x04, Buffer.alloc(127)).subarray(0, 2)], [0x04, 127]);
    assert.deepEqual([...tlv(0x04, Buffer.alloc(200)).subarray(0, 3)], [0x04, 0x81, 200]);
    assert.deepEqual([...tlv(0x04, Buffer.alloc(300)).subarray(0, 4)], [0x04, 0x82, 0x01, 0x2c]);
  });
});
