import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { makeCertificate, opensslMissing } from '../../../test/support/certificates.js';
import { waitFor } from '../../../test/support/processes.js';
import { compileDownstreamTls, type ServerTls } from '../xds/compile-tls.js';
import { followCertificateFiles } from './certificate-renewal.js';

/** The pair a listener naming these files loads. */
function loadFiles(certificateFile: string, keyFile: string): ServerTls {
  const socket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.downstreamTlsContext,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: certificateFile }, private_key: { filename: keyFile } }],
      },
    },
  };
  return compileDownstreamTls('Listener "https"', 'filter_chains[0].transport_socket', socket);
}

/** Follows `tls`, recording each renewal and failure, and counting reads that found the pair in force. */
function follow(tls: ServerTls) {
  const renewals: ServerTls[] = [];
  const failures: Error[] = [];
  let unchanged = 0;
  const renewal = followCertificateFiles(
    tls,
    (next) => renewals.push(next),
    (error) => failures.push(error),
    () => unchanged++,
  );
  return { renewals, failures, unchanged: () => unchanged, stop: () => renewal.stop() };
}

describe('following renewed certificate files', { skip: opensslMissing() }, () => {
  let dir: string;
  let spare: { certificateFile: string; keyFile: string };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pilotfish-renewal-'));
    spare = makeCertificate(dir, 'spare', 'spare.example.com');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('renews from files rewritten in place, and reports a key that does not fit until the pair checks out', async () => {
    const folder = join(dir, 'in-place');
    mkdirSync(folder);
    const { certificateFile, keyFile } = makeCertificate(folder, 'tls', 'shop.example.com');
    const followed = follow(loadFiles(certificateFile, keyFile));
    try {
      // A renewal written half-way: the new certificate with the old key.
      const renewed = makeCertificate(dir, 'renewed', 'shop.example.com');
      writeFileSync(certificateFile, readFileSync(renewed.certificateFile));
      await waitFor(() => followed.failures.length > 0, 'the mismatched pair to be reported');
      assert.match(
        followed.failures[0]?.message ?? '',
        /^Listener "https": .*tls_certificates\[0\]: the certificate and key cannot be used: /,
      );
      assert.equal(followed.renewals.length, 0, 'the pair in force stays');
      writeFileSync(keyFile, readFileSync(renewed.keyFile));
      await waitFor(() => followed.renewals.length === 1, 'the completed renewal');
      assert.deepEqual(
        [followed.renewals[0]?.cert, followed.renewals[0]?.key],
        [readFileSync(renewed.certificateFile), readFileSync(renewed.keyFile)],
      );
      // Writing the same bytes again is no renewal.
      const readsBefore = followed.unchanged();
      writeFileSync(certificateFile, readFileSync(renewed.certificateFile));
      writeFileSync(join(folder, 'unrelated'), 'x');
      await waitFor(() => followed.unchanged() > readsBefore, 'the files to be read again');
      assert.equal(followed.renewals.length, 1);
    } finally {
      followed.stop();
    }
  });

  it('renews when a Kubernetes Secret volume swaps its ..data link to a new folder', async () => {
    const volume = join(dir, 'secret-volume');
    mkdirSync(join(volume, '..2026_12_01'), { recursive: true });
    makeCertificate(join(volume, '..2026_12_01'), 'tls', 'shop.example.com');
    symlinkSync('..2026_12_01', join(volume, '..data'));
    for (const file of ['tls.crt', 'tls.key']) symlinkSync(join('..data', file), join(volume, file));
    const followed = follow(loadFiles(join(volume, 'tls.crt'), join(volume, 'tls.key')));
    try {
      mkdirSync(join(volume, '..2026_12_05'));
      const renewed = makeCertificate(join(volume, '..2026_12_05'), 'tls', 'shop.example.com');
      // As the kubelet does: a new link, renamed over ..data in one step.
      symlinkSync('..2026_12_05', join(volume, '..data_tmp'));
      renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
      await waitFor(() => followed.renewals.length === 1, 'the renewal through the swapped link');
      assert.deepEqual(followed.renewals[0]?.cert, readFileSync(renewed.certificateFile));
      assert.deepEqual(followed.failures, []);
    } finally {
      followed.stop();
    }
  });

  it('stops following when told', async () => {
    const folder = join(dir, 'stopped');
    mkdirSync(folder);
    const { certificateFile, keyFile } = makeCertificate(folder, 'tls', 'shop.example.com');
    const followed = follow(loadFiles(certificateFile, keyFile));
    followed.stop();
    // A follower started after the stopped one, on the same files, shows when the change was seen:
    // the stopped one would have renewed first (same events, same settle time, its timer set earlier).
    const witness = follow(loadFiles(certificateFile, keyFile));
    try {
      writeFileSync(certificateFile, readFileSync(spare.certificateFile));
      writeFileSync(keyFile, readFileSync(spare.keyFile));
      await waitFor(() => witness.renewals.length === 1, 'a running follower to renew');
    } finally {
      witness.stop();
    }
    assert.deepEqual([followed.renewals.length, followed.failures.length, followed.unchanged()], [0, 0, 0]);
  });
});
