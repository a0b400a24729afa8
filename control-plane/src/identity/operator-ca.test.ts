import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { opensslMissing } from '../../../test/support/certificates.js';
import { loadOperatorCa } from './operator-ca.js';

// An operator's PKI made with openssl, as one would by hand: a root and an intermediate.
describe('operator CA (--ca-cert, --ca-key)', { skip: opensslMissing() }, () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const caExtensions = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-operator-ca-'));
    writeFileSync(file('ca.ext'), caExtensions, { mode: 0o600 });
    for (const name of ['root', 'intermediate', 'leafish'])
      openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(`${name}.key`));
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('root.key'),
      '-subj',
      '/CN=Operator Root',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      file('root.crt'),
    );
    openssl(
      'req',
      '-new',
      '-key',
      file('intermediate.key'),
      '-subj',
      '/CN=Operator Intermediate',
      '-out',
      file('intermediate.csr'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file('intermediate.csr'),
      '-CA',
      file('root.crt'),
      '-CAkey',
      file('root.key'),
      '-days',
      '30',
      '-extfile',
      file('ca.ext'),
      '-out',
      file('intermediate.crt'),
    );
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('leafish.key'),
      '-subj',
      '/CN=Not A CA',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-out',
      file('leafish.crt'),
    );
    writeFileSync(
      file('chain.crt'),
      readFileSync(file('intermediate.crt'), 'utf8') + readFileSync(file('root.crt'), 'utf8'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with an operator root and trusts that root', async () => {
    const ca = await loadOperatorCa(file('root.crt'), file('root.key'), new Date());
    assert.equal(ca.certificate.subject, 'CN=Operator Root');
    assert.deepEqual(ca.chain, []);
    assert.deepEqual(
      ca.trustBundle.map((c) => c.subject),
      ['CN=Operator Root'],
    );
  });

  it('signs with an intermediate, sends it after the leaf, and trusts the root at the end of its file', async () => {
    const ca = await loadOperatorCa(file('chain.crt'), file('intermediate.key'), new Date());
    assert.equal(ca.certificate.subject, 'CN=Operator Intermediate');
    assert.deepEqual(
      ca.chain.map((c) => c.subject),
      ['CN=Operator Intermediate'],
    );
    assert.deepEqual(
      ca.trustBundle.map((c) => c.subject),
      ['CN=Operator Root'],
    );
  });

  const refusals: [string, () => Promise<unknown>, RegExp][] = [
    [
      'an intermediate without its root',
      () => loadOperatorCa(file('intermediate.crt'), file('intermediate.key'), new Date()),
      /is not a self-signed root; append the root certificate/,
    ],
    [
      'a key of another certificate',
      () => loadOperatorCa(file('root.crt'), file('intermediate.key'), new Date()),
      /the key does not belong to the certificate CN=Operator Root/,
    ],
    [
      'a certificate that is not a CA',
      () => loadOperatorCa(file('leafish.crt'), file('leafish.key'), new Date()),
      /CN=Not A CA is not a CA certificate/,
    ],
    [
      'an expired root',
      () => loadOperatorCa(file('root.crt'), file('root.key'), new Date(Date.now() + 40 * 86_400_000)),
      /CN=Operator Root is valid from .* not now/,
    ],
    [
      'a file with no certificate',
      () => loadOperatorCa(file('root.key'), file('root.key'), new Date()),
      /root\.key: no PEM certificate in it/,
    ],
  ];
  for (const [what, load, message] of refusals)
    it(`refuses ${what}, naming the file and the reason`, async () => {
      await assert.rejects(load(), message);
    });
});
