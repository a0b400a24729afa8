// What an intercepting sidecar learns from translate: each service's virtual IP, and the
// MeshConfig's outboundTrafficPolicy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPE_URL, decodeResource, encodeResource } from '../../../proto/xds.js';
import { validateConfig, type ConfigSet } from '../config/config-set.js';
import type { ServiceView } from '../registry/registry.js';
import { translate } from './translate.js';

type Json = Record<string, any>;

function config(text: string): ConfigSet {
  const result = validateConfig([{ name: 'mesh.yaml', text }], { isRegistered: () => true });
  if (!result.ok) throw new Error(result.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
  return result.config;
}

const BACKEND_AND_ECHO = `apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: backend }
spec: { virtualIp: 10.96.0.10 }
---
apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: echo }
spec: { virtualIp: 10.96.0.11, ports: [{ port: 9000, protocol: tcp }] }
`;

// Each resource as a client decodes it: the fields it sets must exist in the Envoy protos.
function decoded(snapshot: ReturnType<typeof translate>, typeUrl: string, name: string): Json {
  const resource = snapshot[typeUrl as keyof typeof snapshot].get(name);
  assert.ok(resource, `${typeUrl} ${name}`);
  return decodeResource(encodeResource(typeUrl, resource)) as Json;
}

describe('translate for intercept mode', () => {
  it("makes a Service's virtual IP a domain of its virtual host and an address of its TCP listeners", () => {
    const snapshot = translate([], 'default', config(BACKEND_AND_ECHO));
    const routes = decoded(snapshot, TYPE_URL.route, 'outbound');
    const backend = routes.virtual_hosts.find((host: Json) => host.name === 'backend.default.svc.cluster.local');
    assert.ok(backend.domains.includes('10.96.0.10'), backend.domains.join(' '));
    const echo = decoded(snapshot, TYPE_URL.listener, 'outbound|9000||echo.default.svc.cluster.local');
    assert.deepEqual(
      echo.additional_addresses.map((entry: Json) => entry.address.socket_address),
      [{ address: '10.96.0.11', port_value: 9000, port_specifier: 'port_value' }],
    );
  });

  it("takes the virtual IP of a registry source's service (a ClusterIP) when no Service document gives one", () => {
    const view: ServiceView = { name: 'api', namespace: 'default', instances: [], virtualIp: '10.96.3.4' };
    const routes = decoded(translate([view], 'default'), TYPE_URL.route, 'outbound');
    assert.ok(routes.virtual_hosts[0].domains.includes('10.96.3.4'));
  });

  it('passes unknown destinations through by default, and sends them to a black hole under REGISTRY_ONLY', () => {
    const allowAny = translate([], 'default');
    assert.equal(decoded(allowAny, TYPE_URL.listener, 'outbound').default_filter_chain, undefined);
    assert.equal(allowAny[TYPE_URL.cluster].has('BlackHoleCluster'), false);

    const registryOnly = translate(
      [],
      'default',
      config(
        'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec: { outboundTrafficPolicy: { mode: REGISTRY_ONLY } }\n',
      ),
    );
    const chain = decoded(registryOnly, TYPE_URL.listener, 'outbound').default_filter_chain;
    assert.equal(chain.filters[0].typed_config.cluster, 'BlackHoleCluster');
    assert.deepEqual(decoded(registryOnly, TYPE_URL.cluster, 'BlackHoleCluster').load_assignment.endpoints, []);
  });

  it('refuses a virtual IP that is not an address, naming the field', () => {
    const result = validateConfig(
      [
        {
          name: 'bad.yaml',
          text: 'apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: x }\nspec: { virtualIp: backend }\n',
        },
      ],
      { isRegistered: () => true },
    );
    assert.equal(result.ok, false);
    assert.match(JSON.stringify(!result.ok && result.errors), /virtualIp.*must be an IPv4 or IPv6 address/);
  });
});
