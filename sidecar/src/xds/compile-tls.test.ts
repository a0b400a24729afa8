import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TYPE_URL } from '../../../proto/xds.js';
import { makeCertificate, opensslMissing } from '../../../test/support/certificates.js';
import { compileProxyConfig, listenerTls } from './compile.js';
import { received, sentResources, type Json } from '../../test-support/compile-fixtures.js';
import { rejectDownstreamTls, type ServerTls } from './compile-tls.js';
import { XdsConfigError } from './resource-set.js';

const S = 'Listener "outbound": filter_chains[0].transport_socket';
const CERT = `${S}.typed_config.common_tls_context.tls_certificates[0]`;

function tlsContext(certificates: Json[], extra: Json = {}): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.downstreamTlsContext,
      common_tls_context: { tls_certificates: certificates },
      ...extra,
    },
  };
}

/** Compiles the mesh fixture with `socket` on its listener; the compiled TLS, or the NACK message. */
function compileWith(socket: Json): { tls: unknown } | { nack: string } {
  const sent = sentResources('default', [{ name: 'backend', namespace: 'default', endpoints: [{ port: 1001 }] }]);
  (sent.listeners[0] as Json).filter_chains[0].transport_socket = socket;
  try {
    const config = compileProxyConfig(received(sent));
    void config.hosts.closeAll();
    return { tls: listenerTls(config, 'outbound') };
  } catch (error) {
    assert.ok(error instanceof XdsConfigError, `expected an XdsConfigError, got ${String(error)}`);
    return { nack: error.message };
  }
}

describe("TLS on a listener (a gateway's HTTPS server)", () => {
  const cases: Array<[string, Json, string | RegExp]> = [
    [
      'a certificate file that does not exist',
      tlsContext([
        { certificate_chain: { filename: '/nonexistent/tls.crt' }, private_key: { filename: '/nonexistent/tls.key' } },
      ]),
      `${CERT}.certificate_chain.filename: cannot read "/nonexistent/tls.crt": ENOENT`,
    ],
    [
      'a certificate that is not PEM',
      tlsContext([
        { certificate_chain: { inline_string: 'not a certificate' }, private_key: { inline_string: 'not a key' } },
      ]),
      new RegExp(`^${CERT.replace(/[.[\]|]/g, '\\$&')}: the certificate and key cannot be used: `),
    ],
    [
      'a certificate without a key',
      tlsContext([{ certificate_chain: { inline_string: 'x' } }]),
      `${CERT}.private_key: needs a filename, inline_string or inline_bytes`,
    ],
    [
      'two certificates',
      tlsContext([{}, {}]),
      `${S}.typed_config.common_tls_context.tls_certificates: expected one certificate, got 2`,
    ],
    [
      'client certificates',
      tlsContext([], { require_client_certificate: { value: true } }),
      `${S}.typed_config.require_client_certificate: not supported by this sidecar yet (client certificates)`,
    ],
    [
      'an upstream TLS context',
      {
        name: 'envoy.transport_sockets.tls',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext' },
      },
      `${S}.typed_config: expected ${TYPE_URL.downstreamTlsContext}, got type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
    ],
  ];
  for (const [name, socket, expected] of cases) {
    it(`NACKs ${name}, naming the field`, () => {
      const result = compileWith(socket);
      assert.ok('nack' in result, 'the listener was accepted');
      if (typeof expected === 'string') assert.equal(result.nack, expected);
      else assert.match(result.nack, expected);
    });
  }

  it('reads the certificate and key files the listener names', { skip: opensslMissing() }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-tls-'));
    try {
      const { certificateFile: cert, keyFile: key } = makeCertificate(dir, 'tls', 'test.example.com');
      const result = compileWith(
        tlsContext([{ certificate_chain: { filename: cert }, private_key: { filename: key } }]),
      );
      assert.ok('tls' in result && result.tls !== undefined, 'the listener compiled with TLS');
      const tls = result.tls as ServerTls;
      assert.deepEqual([tls.cert, tls.key, tls.files], [readFileSync(cert), readFileSync(key), [cert, key]]);
      // Reloading reads the files as they are now.
      const renewed = makeCertificate(dir, 'tls', 'renewed.example.com');
      assert.deepEqual(tls.reload().cert, readFileSync(renewed.certificateFile));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is refused on a sidecar listener rather than served in the clear', () => {
    const listener = {
      name: 'outbound',
      filter_chains: [{ transport_socket: { name: 'envoy.transport_sockets.tls' } }],
    };
    assert.throws(() => rejectDownstreamTls(listener), {
      message: `${S}: TLS is served by gateways only, not on a sidecar listener`,
    });
    assert.doesNotThrow(() => rejectDownstreamTls({ name: 'outbound', filter_chains: [{}] }));
  });
});
