// Self-signed certificates for tests that terminate TLS, made with openssl (Debian's /usr/bin/openssl;
// CI runs the same image). Tests skip with opensslMissing()'s reason where it is absent.
import { execFileSync } from 'node:child_process';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** Why certificates cannot be made here, or undefined when openssl runs. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed: cannot make a self-signed certificate';
  }
}

/** A self-signed certificate for `host` (a name or an IP address) and its key, as files `name`.crt and `name`.key in `dir`. */
export function makeCertificate(dir: string, name: string, host: string): { certificateFile: string; keyFile: string } {
  const files = { certificateFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=${isIP(host) ? 'IP' : 'DNS'}:${host}`,
      '-keyout',
      files.keyFile,
      '-out',
      files.certificateFile,
    ],
    { stdio: 'ignore' },
  );
  return files;
}
