import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { translate } from '../../../control-plane/src/translate/translate.js';
import type { ServiceInstance } from '../../../control-plane/src/registry/instance.js';
import { compileInboundConfig, compileProxyConfig } from './compile.js';
import { XdsConfigError, type XdsResourceSet } from './resource-set.js';

// Resources exactly as the sidecar receives them: translate's output through the wire encoding.
function received(ports: number[], protocol: ServiceInstance['protocol'] = 'http'): XdsResourceSet {
  const instances = ports.map((port, index) => ({
    service: 'backend',
    namespace: 'default',
    instanceId: `backend-${index + 1}`,
    address: '127.0.0.1',
    port,
    labels: {},
    protocol,
  }));
  const snapshot = translate([{ name: 'backend', namespace: 'default', instances }], 'default');
  const decode = (typeUrl: string, map: Map<string, object>) =>
    new Map([...map].map(([name, resource]) => [name, decodeResource(encodeResource(typeUrl, resource)) as never]));
  return {
    listeners: decode(TYPE_URL.listener, new Map([['outbound', snapshot[TYPE_URL.listener].get('outbound') as object]])),
    routes: decode(TYPE_URL.route, snapshot[TYPE_URL.route]),
    clusters: decode(TYPE_URL.cluster, snapshot[TYPE_URL.cluster]),
    endpoints: decode(TYPE_URL.endpoint, snapshot[TYPE_URL.endpoint]),
  };
}

type Json = Record<string, any>;

function mutated(resources: XdsResourceSet, change: (copy: { listener: Json; route: Json; cluster: Json }) => void): XdsResourceSet {
  const listener = structuredClone(resources.listeners.get('outbound')) as Json;
  const route = structuredClone(resources.routes.get('outbound')) as Json;
  const cluster = structuredClone(resources.clusters.get('backend.default.svc.cluster.local')) as Json;
  change({ listener, route, cluster });
  return {
    ...resources,
    listeners: new Map([['outbound', listener as never]]),
    routes: new Map([['outbound', route as never]]),
    clusters: new Map([['backend.default.svc.cluster.local', cluster as never]]),
  };
}

describe('compileProxyConfig', () => {
  it('compiles what the control plane sends into a route table and clusters', () => {
    const config = compileProxyConfig(received([1001, 1002]), 'outbound');
    const virtualHost = config.routeTable?.virtualHosts.find('backend.default');
    assert.equal(virtualHost?.routes[0]?.cluster, 'backend.default.svc.cluster.local');
    const cluster = config.clusters.get('backend.default.svc.cluster.local');
    assert.deepEqual(cluster?.endpoints.map((e) => `${e.hostname} ${e.host.key}`), ['backend-1 127.0.0.1:1001', 'backend-2 127.0.0.1:1002']);
  });

  it('has no route table until the route configuration arrives', () => {
    const config = compileProxyConfig({ ...received([1001]), routes: new Map() }, 'outbound');
    assert.equal(config.routeTable, undefined);
  });

  it('reuses the route table and the warm upstream hosts when only endpoints change', () => {
    const first = received([1001]);
    const before = compileProxyConfig(first, 'outbound');
    const after = compileProxyConfig({ ...first, endpoints: received([1001, 1002]).endpoints }, 'outbound', before);
    assert.equal(after.routeTable, before.routeTable);
    const [kept] = after.clusters.get('backend.default.svc.cluster.local')?.endpoints ?? [];
    assert.equal(kept?.host, before.clusters.get('backend.default.svc.cluster.local')?.endpoints[0]?.host);
  });

  const rejected: Array<[string, (copy: { listener: Json; route: Json; cluster: Json }) => void, RegExp]> = [
    ['an invalid route regex', ({ route }) => {
      route.virtual_hosts[0].routes[0].match = { safe_regex: { regex: '(' }, path_specifier: 'safe_regex' };
    }, /RouteConfiguration "outbound": virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid regex "\("/],
    ['a header match', ({ route }) => {
      route.virtual_hosts[0].routes[0].match.headers = [{ name: 'x-canary' }];
    }, /virtual_hosts\[0\]\.routes\[0\]\.match\.headers: not supported/],
    ['weighted clusters', ({ route }) => {
      route.virtual_hosts[0].routes[0].route = { weighted_clusters: { clusters: [] }, cluster_specifier: 'weighted_clusters' };
    }, /routes\[0\]\.route: cluster_specifier "weighted_clusters" is not supported/],
    ['a redirect', ({ route }) => {
      route.virtual_hosts[0].routes[0] = { match: { prefix: '/', path_specifier: 'prefix' }, redirect: {}, action: 'redirect' };
    }, /routes\[0\]: action "redirect" is not supported/],
    ['a duplicate domain', ({ route }) => {
      route.virtual_hosts.push({ ...route.virtual_hosts[0], name: 'copy' });
    }, /virtual_hosts\[1\]\.domains\[0\]: domain "backend" appears in more than one virtual host/],
    ['an HTTP filter it does not have', ({ listener }) => {
      listener.filter_chains[0].filters[0].typed_config.http_filters.unshift({ name: 'envoy.filters.http.ext_authz' });
    }, /Listener "outbound": .*http_filters\[0\]: "envoy\.filters\.http\.ext_authz" is not supported/],
    ['a TCP proxy listener', ({ listener }) => {
      listener.filter_chains[0].filters[0].name = 'envoy.filters.network.tcp_proxy';
    }, /Listener "outbound": filter_chains\[0\]\.filters: expected one envoy\.filters\.network\.http_connection_manager/],
    ['a load balancer it does not have', ({ cluster }) => {
      cluster.lb_policy = 'MAGLEV';
    }, /Cluster "backend\.default\.svc\.cluster\.local": lb_policy MAGLEV is not supported/],
    ['an HTTP/2 upstream', ({ cluster }) => {
      Object.assign(cluster, received([1], 'grpc').clusters.get('backend.default.svc.cluster.local'));
    }, /Cluster "backend\.default\.svc\.cluster\.local": typed_extension_protocol_options: HTTP\/2 upstreams are not supported/],
    ['a cluster type it does not have', ({ cluster }) => {
      cluster.type = 'LOGICAL_DNS';
    }, /type LOGICAL_DNS is not supported \(EDS, STATIC\)/],
  ];
  for (const [name, change, message] of rejected) {
    it(`rejects ${name}, naming the resource and field`, () => {
      assert.throws(
        () => compileProxyConfig(mutated(received([1001]), change), 'outbound'),
        (error: unknown) => error instanceof XdsConfigError && message.test(error.message),
      );
    });
  }

  it('rejects an endpoint without a usable port', () => {
    const resources = received([1001]);
    const endpoints = structuredClone(resources.endpoints.get('backend.default.svc.cluster.local')) as Json;
    endpoints.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 0;
    assert.throws(
      () => compileProxyConfig({ ...resources, endpoints: new Map([['backend.default.svc.cluster.local', endpoints as never]]) }, 'outbound'),
      /ClusterLoadAssignment "backend\.default\.svc\.cluster\.local": endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address: needs an address and a port_value/,
    );
  });
});

describe('compileInboundConfig', () => {
  it('sends every host and path to the local app', () => {
    const config = compileInboundConfig(8080);
    const virtualHost = config.routeTable?.virtualHosts.find('anything');
    assert.equal(virtualHost?.routes[0]?.cluster, 'inbound|8080');
    assert.equal(config.clusters.get('inbound|8080')?.loadBalancer.pick()?.host.key, '127.0.0.1:8080');
  });
});
