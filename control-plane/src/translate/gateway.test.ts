// Gateway config → the gateway's xDS: a listener and route table per server, virtual hosts from the
// Routes attached to the Gateway, the same clusters the sidecars get; sidecars unaffected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import { gatewayGroup } from './gateway.js';
import { translate } from './translate.js';
import { oneInstanceServices } from '../../../test/support/service-views.js';

type Json = Record<string, any>;
const FRONTEND = 'frontend.default.svc.cluster.local';
const REVIEWS = 'reviews.default.svc.cluster.local';

const SERVICES = oneInstanceServices('frontend', 'reviews');

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: pilotfish.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;
const INGRESS = doc(
  'Gateway',
  'ingress',
  '  servers:\n    - { port: 8080, protocol: HTTP, hosts: ["*"] }\n    - { port: 8443, protocol: HTTPS, hosts: [shop.example.com], tls: { certificateFile: /certs/tls.crt, keyFile: /certs/tls.key } }\n',
);
const EDGE_ROUTE = doc(
  'Route',
  'shop',
  '  host: frontend\n  gateways: [ingress]\n  hosts: [shop.example.com]\n  rules:\n    - match: [{ path: { prefix: /reviews/ } }]\n      destinations: [{ service: reviews, subset: v1 }]\n      fault: { abort: { status: 503, percent: 1 } }\n',
);
const SUBSETS = doc(
  'DestinationPolicy',
  'reviews',
  '  host: reviews\n  subsets: [{ name: v1, labels: { version: v1 } }]\n',
);

function config(...documents: string[]): ConfigSet {
  const registered = new Set([FRONTEND, REVIEWS]);
  const result = validateConfig([{ name: 'test.yaml', text: documents.join('---\n') }], {
    isRegistered: (fqdn) => registered.has(fqdn),
  });
  if (!result.ok)
    throw new Error(result.errors.map((error) => `${error.line}: ${error.path}: ${error.message}`).join('\n'));
  return result.config;
}

const GROUP = gatewayGroup('default/ingress');

describe('translate for a gateway', () => {
  it('gives the gateway one listener per server, named by Gateway and port, and none of the sidecar listeners', () => {
    const snapshot = translate(SERVICES, GROUP, config(INGRESS, SUBSETS, EDGE_ROUTE));
    assert.deepEqual([...snapshot[TYPE_URL.listener].keys()].sort(), [
      'gateway|default/ingress|8080',
      'gateway|default/ingress|8443',
    ]);
    const plain = snapshot[TYPE_URL.listener].get('gateway|default/ingress|8080') as Json;
    assert.equal(plain.address.socket_address.port_value, 8080);
    assert.equal(plain.filter_chains[0].transport_socket, undefined);
    const hcm = plain.filter_chains[0].filters[0].typed_config;
    assert.equal(hcm.rds.route_config_name, 'gateway|default/ingress|8080');
    assert.deepEqual(
      hcm.http_filters.map((filter: Json) => filter.name),
      ['envoy.filters.http.fault', 'envoy.filters.http.router'],
    );
    assert.equal(snapshot[TYPE_URL.serviceConfig].size, 0);
  });

  it('terminates TLS on HTTPS servers with the certificate and key files the Gateway names', () => {
    const snapshot = translate(SERVICES, GROUP, config(INGRESS));
    const listener = decodeResource(
      encodeResource(TYPE_URL.listener, snapshot[TYPE_URL.listener].get('gateway|default/ingress|8443') as object),
    ) as Json;
    const socket = listener.filter_chains[0].transport_socket;
    assert.equal(socket.typed_config['@type'], TYPE_URL.downstreamTlsContext);
    const [certificate, ...others] = socket.typed_config.common_tls_context.tls_certificates;
    assert.equal(others.length, 0);
    assert.equal(certificate.certificate_chain.filename, '/certs/tls.crt');
    assert.equal(certificate.private_key.filename, '/certs/tls.key');
  });

  it('routes a gateway Route without rules to the whole service', () => {
    const whole = doc('Route', 'shop', '  host: frontend\n  gateways: [ingress]\n  hosts: [shop.example.com]\n');
    const snapshot = translate(SERVICES, GROUP, config(INGRESS, whole));
    const [host, ...others] = (snapshot[TYPE_URL.route].get('gateway|default/ingress|8443') as Json)
      .virtual_hosts as Json[];
    assert.equal(others.length, 0);
    assert.deepEqual(host?.domains, ['shop.example.com']);
    assert.deepEqual(
      host?.routes.map((route: Json) => [route.match, route.route.cluster]),
      [[{ prefix: '/' }, FRONTEND]],
    );
  });

  it('routes each server by the attached routes whose hosts it serves: rules first, then the whole service', () => {
    const both = doc(
      'Route',
      'reviews',
      '  host: reviews\n  gateways: [ingress, mesh]\n  rules:\n    - match: [{ headers: { x-canary: { exact: "1" } } }]\n      destinations: [{ service: reviews, subset: v1 }]\n',
    );
    const snapshot = translate(SERVICES, GROUP, config(INGRESS, SUBSETS, EDGE_ROUTE, both));
    const hosts = (port: number) =>
      (snapshot[TYPE_URL.route].get(`gateway|default/ingress|${port}`) as Json).virtual_hosts as Json[];
    assert.deepEqual(
      hosts(8080).map((host) => [host.name, host.domains]),
      [
        ['default/shop', ['shop.example.com']],
        ['default/reviews', ['reviews', 'reviews.default', 'reviews.default.svc', REVIEWS]],
      ],
    );
    assert.deepEqual(
      hosts(8443).map((host) => [host.name, host.domains]),
      [['default/shop', ['shop.example.com']]],
    );
    const shop = hosts(8443)[0] as Json;
    assert.deepEqual(
      shop.routes.map((route: Json) => [route.match, route.route.cluster]),
      [
        [{ prefix: '/reviews/' }, `${REVIEWS}~v1`],
        [{ prefix: '/' }, FRONTEND],
      ],
    );
  });

  it('gives the gateway the clusters and endpoints the sidecars get', () => {
    const mesh = config(INGRESS, SUBSETS, EDGE_ROUTE);
    const gateway = translate(SERVICES, GROUP, mesh);
    const sidecars = translate(SERVICES, 'default', mesh);
    for (const typeUrl of [TYPE_URL.cluster, TYPE_URL.endpoint]) assert.deepEqual(gateway[typeUrl], sidecars[typeUrl]);
  });

  it('keeps gateway-only rules off the sidecars, which still reach the service', () => {
    const outbound = translate(SERVICES, 'default', config(INGRESS, SUBSETS, EDGE_ROUTE))[TYPE_URL.route].get(
      'outbound',
    ) as Json;
    const frontend = (outbound.virtual_hosts as Json[]).find((host) => host.name === FRONTEND) as Json;
    assert.deepEqual(
      frontend.routes.map((route: Json) => route.route.cluster),
      [FRONTEND],
    );
    assert.deepEqual(
      outbound.virtual_hosts
        .flatMap((host: Json) => host.domains)
        .filter((domain: string) => domain.includes('example')),
      [],
    );
  });

  it('gives a gateway whose Gateway no document declares no listeners', () => {
    const snapshot = translate(SERVICES, gatewayGroup('default/nowhere'), config(INGRESS));
    assert.equal(snapshot[TYPE_URL.listener].size, 0);
    assert.equal(snapshot[TYPE_URL.route].size, 0);
    assert.equal(snapshot[TYPE_URL.cluster].size, 2);
  });
});
