// An operator's CA (--ca-cert F --ca-key F): a root, or an intermediate whose file holds the chain
// up to its root (signer first, root last), as cert-manager and step-ca write them.
import { readFileSync } from 'node:fs';
import { checkCaCertificate, parseCertificates, type CertificateAuthority } from './certificate-authority.js';
import { readSecretFile } from '../../../shared/secret-file.js';
import { importSigningKey } from './signing-key.js';

export async function loadOperatorCa(
  certificateFile: string,
  keyFile: string,
  now: Date,
): Promise<CertificateAuthority> {
  const certificates = parseCertificates(readFileSync(certificateFile, 'utf8'), certificateFile);
  const key = await importSigningKey(readSecretFile(keyFile), keyFile);
  const certificate = certificates[0] as (typeof certificates)[0];
  checkCaCertificate(certificate, key, `${certificateFile} with ${keyFile}`, now);
  for (const [index, child] of certificates.entries()) {
    const parent = certificates[index + 1] ?? child;
    if (!(await child.verify({ publicKey: parent.publicKey, signatureOnly: true })))
      throw new Error(
        parent === child
          ? `${certificateFile}: the last certificate (${child.subject}) is not a self-signed root; append the root certificate`
          : `${certificateFile}: certificate ${index + 1} (${child.subject}) is not signed by the next one (${parent.subject}); order them signer first, root last`,
      );
  }
  const root = certificates[certificates.length - 1] as (typeof certificates)[0];
  return { certificate, key, chain: certificates.slice(0, -1), trustBundle: [root] };
}
