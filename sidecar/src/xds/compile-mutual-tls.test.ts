import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MUTUAL_TLS, objectToStruct, TYPE_URL } from '../../../proto/xds.js';
import { received, sentResources, type Json } from '../../test-support/compile-fixtures.js';
import type { WorkloadTls } from '../identity/workload-tls.js';
import { mutualTlsOfPort } from './compile-inbound-tls.js';
import { compileProxyConfig, listenerMutualTls } from './compile.js';
import { XdsConfigError } from './resource-set.js';

const BACKEND = 'backend.default.svc.cluster.local';
const PEER = 'spiffe://cluster.local/ns/default/sa/backend';
const mutualTls = { workload: {} as WorkloadTls, onFailure: () => undefined };

function upstreamTls(sans: string[]): Json {
  return {
    name: MUTUAL_TLS.transportSocketName,
    typed_config: {
      '@type': TYPE_URL.upstreamTlsContext,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: MUTUAL_TLS.certificateSecret }],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: sans.map((exact) => ({ san_type: 'URI', matcher: { exact } })),
          },
          validation_context_sds_secret_config: { name: MUTUAL_TLS.trustBundleSecret },
        },
      },
    },
  };
}

/** The mesh fixture with backend's first endpoint marked for mutual TLS and `edit` applied; its compile or NACK. */
function compileWith(edit: (sent: ReturnType<typeof sentResources>) => void, withCertificate = true) {
  const sent = sentResources('default', [
    { name: 'backend', namespace: 'default', endpoints: [{ port: 1001 }, { port: 1002 }] },
  ]);
  const cluster = sent.clusters[0] as Json;
  cluster.transport_socket_matches = [
    { name: 'mutual-tls', match: objectToStruct({ tlsMode: 'mutual' }), transport_socket: upstreamTls([PEER]) },
    {
      name: 'plaintext',
      match: objectToStruct({}),
      transport_socket: { name: MUTUAL_TLS.rawBufferName, typed_config: { '@type': TYPE_URL.rawBuffer } },
    },
  ];
  const [first] = (sent.endpoints[0] as Json).endpoints[0].lb_endpoints as Json[];
  (first as Json).metadata = {
    filter_metadata: { [MUTUAL_TLS.matchMetadata]: objectToStruct({ [MUTUAL_TLS.matchKey]: MUTUAL_TLS.matchValue }) },
  };
  edit(sent);
  try {
    const config = compileProxyConfig(received(sent), undefined, undefined, withCertificate ? mutualTls : undefined);
    void config.hosts.closeAll();
    return { config };
  } catch (error) {
    assert.ok(error instanceof XdsConfigError, `expected an XdsConfigError, got ${String(error)}`);
    return { nack: error.message };
  }
}

describe('compiling mutual TLS', () => {
  it('reaches an endpoint its match selects in mutual TLS with the SPIFFE IDs to expect, the others in plaintext', () => {
    const { config } = compileWith(() => undefined);
    const hosts = config?.clusters.get(BACKEND)?.endpoints.map((endpoint) => endpoint.host);
    assert.deepEqual([...(hosts?.[0]?.tls?.subjectAltNames ?? [])], [PEER]);
    assert.equal(hosts?.[1]?.tls, undefined);
  });

  it('NACKs mutual TLS to an endpoint when the proxy has no workload certificate', () => {
    assert.match(
      String(compileWith(() => undefined, false).nack),
      /no workload certificate \(start it with --token-file\)/,
    );
  });

  it('NACKs SAN matchers other than exact URIs, naming the field', () => {
    const { nack } = compileWith((sent) => {
      const socket = upstreamTls([PEER]);
      socket.typed_config.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].san_type =
        'DNS';
      ((sent.clusters[0] as Json).transport_socket_matches as Json[])[0] = {
        match: objectToStruct({}),
        transport_socket: socket,
      };
    });
    assert.match(String(nack), /match_typed_subject_alt_names\[0\]: only URI SANs matched exactly \(SPIFFE IDs\)/);
  });

  const downstream = {
    name: MUTUAL_TLS.transportSocketName,
    typed_config: {
      '@type': TYPE_URL.downstreamTlsContext,
      require_client_certificate: { value: true },
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: MUTUAL_TLS.certificateSecret }],
        validation_context_sds_secret_config: { name: MUTUAL_TLS.trustBundleSecret },
      },
    },
  };
  /** The listener's chains made from its one chain by `chainsOf`; the compiled mutual TLS, or the NACK. */
  const inboundWith = (chainsOf: (chain: Json) => Json[]) => {
    const { config, nack } = compileWith((sent) => {
      const listener = sent.listeners[0] as Json;
      listener.filter_chains = chainsOf(listener.filter_chains[0] as Json);
    });
    return { mutualTls: config && listenerMutualTls(config, 'outbound'), nack };
  };
  const strict = (chain: Json, match?: Json) => ({ ...chain, filter_chain_match: match, transport_socket: downstream });
  const permissive = (chain: Json, match: Json = {}) => [
    { ...chain, filter_chain_match: { ...match, transport_protocol: 'tls' }, transport_socket: downstream },
    { ...chain, filter_chain_match: { ...match, transport_protocol: 'raw_buffer' } },
  ];

  it('reads an inbound listener as STRICT with one mutual TLS chain, and PERMISSIVE with a tls and a raw_buffer one', () => {
    assert.deepEqual(inboundWith((chain) => [strict(chain)]).mutualTls, {
      otherPorts: { acceptsPlaintext: false },
      ports: new Map(),
    });
    assert.deepEqual(inboundWith((chain) => permissive(chain)).mutualTls, {
      otherPorts: { acceptsPlaintext: true },
      ports: new Map(),
    });
  });

  it("reads chains matching a destination_port as that port's mode (portLevelMtls)", () => {
    const { mutualTls } = inboundWith((chain) => [
      chain,
      strict(chain, { destination_port: { value: 8080 } }),
      ...permissive(chain, { destination_port: { value: 9090 } }),
    ]);
    assert.deepEqual(mutualTls, {
      otherPorts: undefined,
      ports: new Map([
        [8080, { acceptsPlaintext: false }],
        [9090, { acceptsPlaintext: true }],
      ]),
    });
    assert.deepEqual(mutualTlsOfPort(mutualTls, 8080), { acceptsPlaintext: false });
    assert.equal(mutualTlsOfPort(mutualTls, 15006), undefined, 'other ports: plaintext');
  });

  const nacks: Array<[string, (chain: Json) => Json[], RegExp]> = [
    [
      'a port chain with other filters',
      (chain) => [strict(chain), { ...strict(chain, { destination_port: { value: 8080 } }), filters: [] }],
      /filter_chains\[1\]\.filters: must be the same filters as filter_chains\[0\] \(only mutual TLS differs by port\)/,
    ],
    [
      'a port chain matching more than its port',
      (chain) => [chain, strict(chain, { destination_port: { value: 8080 }, server_names: ['backend'] })],
      /filter_chains\[1\]\.filter_chain_match\.server_names: not supported by this sidecar yet \(server names\)/,
    ],
    [
      'port chains alone',
      (chain) => [strict(chain, { destination_port: { value: 8080 } })],
      /filter_chains: expected a chain without destination_port, for the other ports/,
    ],
    [
      'three chains for one port',
      (chain) => [chain, ...[1, 2, 3].map(() => strict(chain, { destination_port: { value: 8080 } }))],
      /expected one filter chain \(or a tls and a raw_buffer one\) for the same ports, got 3/,
    ],
  ];
  for (const [name, chainsOf, expected] of nacks)
    it(`NACKs ${name}, naming the field`, () => {
      assert.match(String(inboundWith(chainsOf).nack), expected);
    });
});
