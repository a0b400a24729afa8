import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tcpListener } from '../../../control-plane/src/translate/tcp.js';
import { compileProxyConfig } from './compile.js';
import { received, sentResources, type Json } from '../../test-support/compile-fixtures.js';
import { XdsConfigError } from './resource-set.js';

const DB = 'db.default.svc.cluster.local';
const NAME = `outbound|5432||${DB}`;
const L = `Listener "${NAME}"`;
const P = `${L}: filter_chains[0].filters[0].typed_config`;
const NOT_YET = 'not supported by this sidecar yet';

/** The mesh with the TCP listener the control plane sends for db's port 5432, changed by `change`. */
function compileWith(change: (listener: Json, proxy: Json) => void = () => undefined) {
  const sent = sentResources('default', [{ name: 'db', namespace: 'default', endpoints: [{ port: 1001 }] }]);
  const listener = structuredClone(tcpListener(5432, DB, { idleTimeout: 90_000 })) as Json;
  change(listener, listener.filter_chains[0].filters[0].typed_config);
  sent.listeners.push(listener);
  return compileProxyConfig(received(sent));
}

function rejection(change: (listener: Json, proxy: Json) => void): string {
  try {
    void compileWith(change).hosts.closeAll();
  } catch (error) {
    assert.ok(error instanceof XdsConfigError, `expected an XdsConfigError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail('the change was accepted');
}

describe('TCP proxy listeners', () => {
  it('compiles the listener the control plane sends into a TCP listener, apart from the HTTP ones', async () => {
    const config = compileWith();
    assert.deepEqual(config.tcpListeners.get(NAME), {
      name: NAME,
      port: 5432,
      virtualAddresses: [],
      statPrefix: NAME,
      cluster: DB,
      idleTimeoutMs: 90_000,
      maxConnectAttempts: 3,
      rbac: [],
      mutualTls: undefined,
    });
    assert.deepEqual([...config.listeners.keys()], ['outbound']);
    await config.hosts.closeAll();
  });

  it("takes a service's virtual IP from additional_addresses, for intercepted connections to it", async () => {
    const config = compileWith((listener) => {
      listener.additional_addresses = [{ address: { socket_address: { address: '10.96.0.5', port_value: 5432 } } }];
    });
    assert.deepEqual(config.tcpListeners.get(NAME)?.virtualAddresses, ['10.96.0.5:5432']);
    assert.match(
      rejection((listener) => {
        listener.additional_addresses = [{ address: { pipe: { path: '/tmp/db' } } }];
      }),
      /additional_addresses\[0\]: expected a socket_address/,
    );
    await config.hosts.closeAll();
  });

  it("takes Envoy's defaults: one connect attempt, an hour's idle timeout; 0 never times out", async () => {
    const defaults = compileWith((_listener, proxy) => {
      delete proxy.idle_timeout;
      delete proxy.max_connect_attempts;
    });
    assert.equal(defaults.tcpListeners.get(NAME)?.idleTimeoutMs, 3_600_000);
    assert.equal(defaults.tcpListeners.get(NAME)?.maxConnectAttempts, 1);
    const never = compileWith((_listener, proxy) => (proxy.idle_timeout = { seconds: 0 }));
    assert.equal(never.tcpListeners.get(NAME)?.idleTimeoutMs, 0);
    await Promise.all([defaults.hosts.closeAll(), never.hosts.closeAll()]);
  });

  const cases: Array<[name: string, change: (listener: Json, proxy: Json) => void, message: string]> = [
    [
      'no port to bind',
      (listener) => (listener.address.socket_address.port_value = 0),
      `${L}: address.socket_address.port_value: a TCP listener needs the port to bind (1-65535), got 0`,
    ],
    ['no cluster', (_listener, proxy) => delete proxy.cluster, `${P}.cluster: is required: the cluster to forward to`],
    [
      'weighted clusters',
      (_listener, proxy) => {
        delete proxy.cluster;
        proxy.weighted_clusters = { clusters: [{ name: DB, weight: 1 }] };
      },
      `${P}.weighted_clusters: ${NOT_YET} (weighted clusters (name one cluster))`,
    ],
    ['no stat prefix', (_listener, proxy) => delete proxy.stat_prefix, `${P}.stat_prefix: is required`],
    [
      'zero connect attempts',
      (_listener, proxy) => (proxy.max_connect_attempts = { value: 0 }),
      `${P}.max_connect_attempts: must be at least 1, got 0`,
    ],
    [
      'tunnelling over HTTP',
      (_listener, proxy) => (proxy.tunneling_config = { hostname: 'db:5432' }),
      `${P}.tunneling_config: ${NOT_YET} (tunnelling over HTTP)`,
    ],
    [
      'another type of config',
      (_listener, proxy) => (proxy['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'),
      `${P}: expected type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, got type.googleapis.com/envoy.extensions.filters.http.router.v3.Router`,
    ],
    [
      'a network filter other than RBAC before tcp_proxy',
      (listener) => listener.filter_chains[0].filters.unshift({ name: 'envoy.filters.network.echo' }),
      `${L}: filter_chains[0].filters[0]: network filter "envoy.filters.network.echo" is not supported by this sidecar yet (envoy.filters.network.rbac)`,
    ],
    [
      'TLS',
      (listener) => (listener.filter_chains[0].transport_socket = { name: 'envoy.transport_sockets.tls' }),
      `${L}: filter_chains[0].transport_socket: ${NOT_YET} (TLS (transport_socket))`,
    ],
  ];
  for (const [name, change, message] of cases) {
    it(`rejects ${name}, naming the field`, () => assert.equal(rejection(change), message));
  }
});
