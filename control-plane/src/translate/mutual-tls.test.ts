import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MUTUAL_TLS, TYPE_URL } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceInstance } from '../registry/instance.js';
import type { ServiceView } from '../registry/service-view.js';
import { peerAuthenticationModes } from './peer-authentication.js';
import { translate } from './translate.js';

// Resources are protocol-shaped plain objects; tests read them loosely.
type Json = Record<string, any>;

const BACKEND = 'backend.default.svc.cluster.local';
const SIDECAR_OWNER = 'spiffe://cluster.local/ns/default/sa/backend';

function parsed(text: string): ConfigSet {
  const result = validateConfig([{ name: 'p.yaml', text }], { isRegistered: () => true });
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.config;
}

function configOf(...modes: Array<[namespace: string, service: string | undefined, mode: string]>): ConfigSet {
  const text = modes
    .map(
      ([namespace, service], index) =>
        `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: p${index}, namespace: ${namespace} }\nspec:\n${service ? `  selector: { service: ${service} }\n` : ''}  mtls: { mode: ${modes[index]?.[2]} }\n`,
    )
    .join('---\n');
  return parsed(text);
}

/** The namespace's mode (if any), and a document for backend giving its ports their own modes. */
function portConfigOf(
  namespaceMode: string | undefined,
  ports: Record<number, string>,
  serviceMode?: string,
): ConfigSet {
  const namespaceDocument =
    namespaceMode === undefined
      ? ''
      : `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: ns, namespace: default }\nspec:\n  mtls: { mode: ${namespaceMode} }\n---\n`;
  const portLines = Object.entries(ports).map(([port, mode]) => `    ${port}: { mode: ${mode} }\n`);
  return parsed(
    `${namespaceDocument}apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: backend, namespace: default }\nspec:\n  selector: { service: backend }\n${serviceMode === undefined ? '' : `  mtls: { mode: ${serviceMode} }\n`}  portLevelMtls:\n${portLines.join('')}`,
  );
}

function backend(...owners: Array<string | undefined>): ServiceView {
  return serviceOf('http', owners);
}

function serviceOf(protocol: ServiceInstance['protocol'], owners: Array<string | undefined>): ServiceView {
  return {
    name: 'backend',
    namespace: 'default',
    instances: owners.map((owner, index): ServiceInstance => ({
      service: 'backend',
      namespace: 'default',
      instanceId: `backend-${index + 1}`,
      address: '127.0.0.1',
      port: 40000 + index,
      labels: {},
      protocol,
      owner,
    })),
  };
}

describe('PeerAuthentication mode', () => {
  const cases: Array<[name: string, config: ConfigSet, expected: string]> = [
    ['STRICT without any document', configOf(), 'STRICT'],
    [
      'the mesh-wide one (pilotfish-system, no selector)',
      configOf(['pilotfish-system', undefined, 'PERMISSIVE']),
      'PERMISSIVE',
    ],
    [
      "the namespace's over the mesh's",
      configOf(['pilotfish-system', undefined, 'PERMISSIVE'], ['default', undefined, 'DISABLE']),
      'DISABLE',
    ],
    [
      "the service's over its namespace's",
      configOf(['default', undefined, 'PERMISSIVE'], ['default', 'backend', 'STRICT']),
      'STRICT',
    ],
    [
      "not another namespace's or another service's",
      configOf(['shop', undefined, 'DISABLE'], ['default', 'other', 'DISABLE']),
      'STRICT',
    ],
  ];
  for (const [name, config, expected] of cases)
    it(`${name} → ${expected}`, () =>
      assert.equal(peerAuthenticationModes(config, 'default', 'backend').mode, expected));
});

describe('mutual TLS in translation', () => {
  const translated = (config: ConfigSet, hasMutualTls = true) =>
    translate([backend(SIDECAR_OWNER, 'admin test-admin')], 'default', config, { hasMutualTls });

  it('sends endpoints with sidecars in mutual TLS, checking the identities they registered with', () => {
    const snapshot = translated(configOf());
    const cluster = snapshot[TYPE_URL.cluster].get(BACKEND) as Json;
    const [tls, plaintext] = cluster.transport_socket_matches as Json[];
    const context = tls?.transport_socket.typed_config as Json;
    assert.equal(context['@type'], TYPE_URL.upstreamTlsContext);
    assert.deepEqual(context.common_tls_context.combined_validation_context.default_validation_context, {
      match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: SIDECAR_OWNER } }],
    });
    assert.equal(plaintext?.transport_socket.typed_config['@type'], TYPE_URL.rawBuffer);
    const endpoints = (snapshot[TYPE_URL.endpoint].get(BACKEND) as Json).endpoints[0].lb_endpoints as Json[];
    assert.ok(endpoints[0]?.metadata.filter_metadata[MUTUAL_TLS.matchMetadata], 'the sidecar is matched for TLS');
    assert.equal(
      endpoints[1]?.metadata.filter_metadata[MUTUAL_TLS.matchMetadata],
      undefined,
      'an app without one is not',
    );
  });

  const inboundChains = (snapshot: ReturnType<typeof translate>) =>
    (snapshot[TYPE_URL.listener].get(`inbound|${BACKEND}`) as Json).filter_chains as Json[];

  it('makes the inbound listener mutual TLS only under STRICT, and add a plaintext chain under PERMISSIVE', () => {
    const strict = inboundChains(translated(configOf()));
    assert.equal(strict.length, 1);
    assert.equal(strict[0]?.transport_socket.typed_config.require_client_certificate.value, true);
    const permissive = inboundChains(translated(configOf(['default', undefined, 'PERMISSIVE'])));
    assert.deepEqual(
      permissive.map((chain) => [chain.filter_chain_match.transport_protocol, chain.transport_socket !== undefined]),
      [
        ['tls', true],
        ['raw_buffer', false],
      ],
    );
    assert.deepEqual(permissive[0]?.filters, permissive[1]?.filters, 'both chains filter alike');
  });

  it('sends nothing of TLS under DISABLE, or in a mesh without a CA', () => {
    for (const snapshot of [translated(configOf(['default', undefined, 'DISABLE'])), translated(configOf(), false)]) {
      assert.equal((snapshot[TYPE_URL.cluster].get(BACKEND) as Json).transport_socket_matches, undefined);
      assert.deepEqual(
        inboundChains(snapshot).map((chain) => chain.transport_socket),
        [undefined],
      );
    }
  });

  it('carries TCP between sidecars in mutual TLS under its own ALPN, on an inbound tcp_proxy listener by mode', () => {
    const tcp = (config: ConfigSet) =>
      translate([serviceOf('tcp', [SIDECAR_OWNER])], 'default', config, { hasMutualTls: true });
    const snapshot = tcp(configOf());
    const [tls] = (snapshot[TYPE_URL.cluster].get(BACKEND) as Json).transport_socket_matches as Json[];
    assert.deepEqual(tls?.transport_socket.typed_config.common_tls_context.alpn_protocols, [MUTUAL_TLS.tcpAlpn]);
    const endpoints = (snapshot[TYPE_URL.endpoint].get(BACKEND) as Json).endpoints[0].lb_endpoints as Json[];
    assert.ok(endpoints[0]?.metadata.filter_metadata[MUTUAL_TLS.matchMetadata], 'the TCP sidecar is matched for TLS');
    const strict = inboundChains(snapshot);
    assert.deepEqual(
      strict.map((chain) => [
        chain.filters.at(-1).name,
        chain.transport_socket.typed_config.common_tls_context.alpn_protocols,
      ]),
      [['envoy.filters.network.tcp_proxy', [MUTUAL_TLS.tcpAlpn]]],
    );
    const permissive = inboundChains(tcp(configOf(['default', undefined, 'PERMISSIVE'])));
    assert.deepEqual(
      permissive.map((chain) => chain.filter_chain_match.transport_protocol),
      ['tls', 'raw_buffer'],
    );
    const disabled = inboundChains(tcp(configOf(['default', undefined, 'DISABLE'])));
    assert.deepEqual(
      disabled.map((chain) => chain.transport_socket),
      [undefined],
    );
  });

  it("gives a TCP service's ports their own modes too, each chain under the TCP ALPN", () => {
    const chains = inboundChains(
      translate(
        [serviceOf('tcp', [SIDECAR_OWNER])],
        'default',
        portConfigOf(undefined, { 9000: 'DISABLE' }, 'STRICT'),
        {
          hasMutualTls: true,
        },
      ),
    );
    assert.deepEqual(
      chains.map((chain) => [
        chain.filter_chain_match?.destination_port?.value,
        chain.filters.at(-1).name,
        chain.transport_socket?.typed_config.common_tls_context.alpn_protocols,
      ]),
      [
        [undefined, 'envoy.filters.network.tcp_proxy', [MUTUAL_TLS.tcpAlpn]],
        [9000, 'envoy.filters.network.tcp_proxy', undefined],
      ],
    );
  });

  it("gives a port its own mode (portLevelMtls): chains matching its destination_port, the service's mode elsewhere", () => {
    const chains = inboundChains(translated(portConfigOf('PERMISSIVE', { 40000: 'STRICT', 9090: 'DISABLE' })));
    assert.deepEqual(
      chains.map((chain) => [
        chain.filter_chain_match?.destination_port?.value,
        chain.filter_chain_match?.transport_protocol,
        chain.transport_socket !== undefined,
      ]),
      [
        [undefined, 'tls', true],
        [undefined, 'raw_buffer', false],
        [9090, undefined, false],
        [40000, undefined, true],
      ],
      "the namespace's PERMISSIVE for other ports, then the ports in order",
    );
    assert.ok(
      chains.every((chain) => JSON.stringify(chain.filters) === JSON.stringify(chains[0]?.filters)),
      'every chain filters alike',
    );
    const own = inboundChains(translated(portConfigOf(undefined, { 9090: 'PERMISSIVE' }, 'DISABLE')));
    assert.deepEqual(
      own.map((chain) => [chain.filter_chain_match?.destination_port?.value, chain.transport_socket !== undefined]),
      [
        [undefined, false],
        [9090, true],
        [9090, false],
      ],
      "the document's own mode over the namespace's",
    );
  });

  it('calls an endpoint whose registered port is DISABLE in plaintext, and its other instances in mutual TLS', () => {
    // backend-1 registered port 40000, backend-2 port 40001 (both sidecars).
    const snapshot = translate(
      [backend(SIDECAR_OWNER, SIDECAR_OWNER)],
      'default',
      portConfigOf(undefined, { 40001: 'DISABLE' }),
      {
        hasMutualTls: true,
      },
    );
    const endpoints = (snapshot[TYPE_URL.endpoint].get(BACKEND) as Json).endpoints[0].lb_endpoints as Json[];
    assert.deepEqual(
      endpoints.map((endpoint) => endpoint.metadata.filter_metadata[MUTUAL_TLS.matchMetadata] !== undefined),
      [true, false],
    );
  });

  it('ignores port modes in a mesh without a CA', () => {
    const chains = inboundChains(translated(portConfigOf(undefined, { 40000: 'STRICT' }), false));
    assert.deepEqual(
      chains.map((chain) => chain.transport_socket),
      [undefined],
    );
  });
});
