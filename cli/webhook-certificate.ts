// The injector webhook's serving certificate, made with openssl when `pilotfish manifests` is not
// given one: a CA (its certificate becomes the webhook's caBundle) and a leaf for the Service's DNS name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WebhookCertificate {
  certificate: string;
  key: string;
  ca: string;
}

export function makeWebhookCertificate(host: string, days = 365): WebhookCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-webhook-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new Error(
        `making the webhook certificate with openssl failed (install openssl, or pass --webhook-cert, --webhook-key and --webhook-ca): ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl([
      'req',
      '-x509',
      ...ec,
      '-days',
      String(days),
      '-subj',
      '/CN=pilotfish webhook CA',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
    ]);
    openssl(['req', ...ec, '-subj', `/CN=${host}`, '-keyout', file('tls.key'), '-out', file('tls.csr')]);
    writeFileSync(file('ext.cnf'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      file('tls.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('tls.crt'),
    ]);
    return {
      certificate: readFileSync(file('tls.crt'), 'utf8'),
      key: readFileSync(file('tls.key'), 'utf8'),
      ca: readFileSync(file('ca.crt'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
