import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConfigError } from './config-error.js';
import { admitsHost } from './gateway-schema.js';
import { validateConfig } from './config-set.js';

const SERVICES = ['frontend', 'reviews']
  .map((name) => `apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: ${name} }\nspec: {}\n`)
  .join('---\n');

function gateway(name: string, servers: string): string {
  return `apiVersion: pilotfish.dev/v1\nkind: Gateway\nmetadata:\n  name: ${name}\nspec:\n  servers:\n${servers}`;
}

const INGRESS = gateway(
  'ingress',
  '    - { port: 8080, protocol: HTTP, hosts: [shop.example.com, "*.api.example.com"] }\n    - port: 8443\n      protocol: HTTPS\n      hosts: [shop.example.com, frontend.default]\n      tls: { certificateFile: /etc/certs/tls.crt, keyFile: /etc/certs/tls.key }\n',
);

function route(name: string, extra: string, host = 'frontend'): string {
  return `apiVersion: pilotfish.dev/v1\nkind: Route\nmetadata:\n  name: ${name}\nspec:\n  host: ${host}\n${extra}  rules:\n    - destinations: [{ service: ${host} }]\n`;
}

/** Messages for `text` as file `f.yaml` (beside the services and the ingress Gateway), or [] when valid. */
function messages(text: string): string[] {
  const result = validateConfig(
    [
      { name: 'base.yaml', text: `${SERVICES}---\n${INGRESS}` },
      { name: 'f.yaml', text },
    ],
    { requireDeclared: true },
  );
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('Gateway kind and routes attached to gateways', () => {
  const good: Array<[string, string]> = [
    [
      'a route for the gateway with its own hosts',
      route('shop', '  gateways: [ingress]\n  hosts: [shop.example.com, v1.api.example.com]\n'),
    ],
    [
      'a route for the gateway and the mesh, by namespace/name, on the service names the HTTPS server admits',
      route('both', '  gateways: [default/ingress, mesh]\n'),
    ],
    [
      'a gateway route beside the mesh route of the same service',
      `${route('edge', '  gateways: [ingress]\n  hosts: [shop.example.com]\n')}---\n${route('inside', '')}`,
    ],
    [
      'two gateway routes of one service on different hosts',
      `${route('a', '  gateways: [ingress]\n  hosts: [shop.example.com]\n')}---\n${route('b', '  gateways: [ingress]\n  hosts: [x.api.example.com]\n')}`,
    ],
  ];
  for (const [name, text] of good) it(`accepts ${name}`, () => assert.deepEqual(messages(text), []));

  const bad: Array<[string, string, RegExp]> = [
    [
      'an HTTPS server without tls',
      gateway('edge', '    - { port: 443, protocol: HTTPS, hosts: ["*"] }\n'),
      /^f\.yaml:7: Gateway "edge": spec\.servers\[0\]\.tls: is required for HTTPS: \{ certificateFile, keyFile \}$/,
    ],
    [
      'tls on an HTTP server',
      gateway('edge', '    - { port: 80, protocol: HTTP, hosts: ["*"], tls: { certificateFile: a, keyFile: b } }\n'),
      /^f\.yaml:7: Gateway "edge": spec\.servers\[0\]\.tls: is only for HTTPS servers$/,
    ],
    [
      'two servers on one port',
      gateway(
        'edge',
        '    - { port: 80, protocol: HTTP, hosts: [a.com] }\n    - { port: 80, protocol: HTTP, hosts: [b.com] }\n',
      ),
      /^f\.yaml:8: Gateway "edge": spec\.servers\[1\]\.port: 80 is already the port of servers\[0\]$/,
    ],
    [
      'a protocol the gateway does not speak',
      gateway('edge', '    - { port: 80, protocol: TCP, hosts: [a.com] }\n'),
      /spec\.servers\[0\]\.protocol: must be one of HTTP, HTTPS, got "TCP"/,
    ],
    [
      'a server host that is not a host name',
      gateway('edge', '    - { port: 80, protocol: HTTP, hosts: ["Shop.example.com"] }\n'),
      /spec\.servers\[0\]\.hosts\[0\]: is not a host name in lowercase, "\*\.domain" or "\*"/,
    ],
    [
      'a server without hosts',
      gateway('edge', '    - { port: 80, protocol: HTTP, hosts: [] }\n'),
      /spec\.servers\[0\]\.hosts: needs at least 1 entry/,
    ],
    [
      'a route naming a Gateway that does not exist',
      route('shop', '  gateways: [mesh, egress]\n'),
      /^f\.yaml:7: Route "shop": spec\.gateways\[1\]: unknown Gateway "default\/egress": no Gateway document declares it \(known: default\/ingress\)$/,
    ],
    [
      'a route host the Gateway does not serve',
      route('shop', '  gateways: [ingress]\n  hosts: [shop.example.com, evil.com]\n'),
      /^f\.yaml:8: Route "shop": spec\.hosts\[1\]: "evil\.com" is not among the hosts of Gateway "default\/ingress" \(shop\.example\.com, \*\.api\.example\.com, frontend\.default\)$/,
    ],
    [
      'hosts on a route for the mesh only',
      route('shop', '  hosts: [shop.example.com]\n'),
      /^f\.yaml:7: Route "shop": spec\.hosts: is for routes attached to a Gateway: add spec\.gateways$/,
    ],
    [
      'two routes claiming one host on a Gateway',
      `${route('a', '  gateways: [ingress]\n  hosts: [shop.example.com]\n')}---\n${route('b', '  gateways: [ingress]\n  hosts: [shop.example.com]\n', 'reviews')}`,
      /^f\.yaml:19: Route "b": spec\.hosts\[0\]: host "shop\.example\.com" on Gateway "default\/ingress" is already routed by Route "default\/a"$/,
    ],
    [
      'two mesh routes of one service',
      `${route('a', '  gateways: [mesh, ingress]\n  hosts: [shop.example.com]\n')}---\n${route('b', '')}`,
      /Route "b": spec\.host: frontend\.default\.svc\.cluster\.local already has a Route: Route "a"/,
    ],
    [
      'a gateway reference that is not a name',
      route('shop', '  gateways: [Ingress]\n'),
      /spec\.gateways\[0\]: is not a Gateway: "name", "namespace\/name", or "mesh" for the sidecars/,
    ],
  ];
  for (const [name, text, expected] of bad) {
    it(`rejects ${name}, naming file, line, document and field`, () => {
      const found = messages(text);
      assert.ok(
        found.some((message) => expected.test(message)),
        `expected ${expected}, got:\n${found.join('\n')}`,
      );
    });
  }

  it('asks for spec.hosts when a Gateway serves none of the service names', () => {
    const result = validateConfig([
      {
        name: 'g.yaml',
        text: `${SERVICES}---\n${gateway('shop', '    - { port: 80, protocol: HTTP, hosts: [shop.example.com] }\n')}---\n${route('r', '  gateways: [shop]\n')}`,
      },
    ]);
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.errors.map(formatConfigError).join('\n'),
      /Route "r": spec\.gateways\[0\]: Gateway "default\/shop" serves shop\.example\.com, none of the service's own names \(frontend, frontend\.default, frontend\.default\.svc, frontend\.default\.svc\.cluster\.local\): set spec\.hosts/,
    );
  });

  it('matches hosts as Envoy matches domains: "*" any, "*.suffix" any name under it, else exactly', () => {
    const table: Array<[string, string, boolean]> = [
      ['*', 'a.com', true],
      ['*', '*', true],
      ['*.example.com', 'shop.example.com', true],
      ['*.example.com', 'a.b.example.com', true],
      ['*.example.com', '*.api.example.com', true],
      ['*.example.com', 'example.com', false],
      ['*.example.com', '*', false],
      ['shop.example.com', 'shop.example.com', true],
      ['shop.example.com', 'www.shop.example.com', false],
    ];
    for (const [pattern, host, expected] of table)
      assert.equal(admitsHost(pattern, host), expected, `${pattern} admits ${host}`);
  });
});
