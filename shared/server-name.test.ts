import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { checkServerName, serverNameFor } from './server-name.js';

const certificate = (subjectaltname: string) => ({ subject: {}, subjectaltname }) as PeerCertificate;
const CONTROL_PLANE = certificate('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:cp.mesh');

describe('TLS server names for the control plane', () => {
  it('asks for an IP address by its reverse-DNS name, and for a host name as it is', () => {
    const cases: Array<[string, string | undefined]> = [
      ['127.0.0.1', '1.0.0.127.in-addr.arpa'],
      ['10.20.30.40', '40.30.20.10.in-addr.arpa'],
      ['::1', `1.${'0.'.repeat(31)}ip6.arpa`],
      ['2001:db8::ff00:42', `2.4.0.0.0.0.f.f.${'0.'.repeat(16)}8.b.d.0.1.0.0.2.ip6.arpa`],
      ['::ffff:10.0.0.1', `1.0.0.0.0.0.a.0.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`],
      ['cp.mesh', undefined],
      ['localhost', undefined],
    ];
    for (const [host, name] of cases) assert.equal(serverNameFor(host), name, host);
  });

  it('accepts a certificate holding the dialled address, as its reverse-DNS name stands for it', () => {
    assert.equal(checkServerName(serverNameFor('127.0.0.1') as string, CONTROL_PLANE), undefined);
    assert.equal(checkServerName(serverNameFor('::1') as string, CONTROL_PLANE), undefined);
    assert.equal(checkServerName('cp.mesh', CONTROL_PLANE), undefined);
  });

  it('refuses a certificate that does not hold the dialled address or name, naming both', () => {
    const other = checkServerName(serverNameFor('10.0.0.7') as string, CONTROL_PLANE);
    assert.match(String(other?.message), /IP: 10\.0\.0\.7 is not in the cert's list: 127\.0\.0\.1/);
    assert.match(
      String(checkServerName('evil.mesh', CONTROL_PLANE)?.message),
      /Host: evil\.mesh\. is not in the cert's altnames/,
    );
    // A reverse-DNS name that is not an address is checked as the DNS name it is.
    assert.ok(checkServerName('1.2.in-addr.arpa', CONTROL_PLANE) instanceof Error);
  });
});
