import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConfigError } from './config-error.js';
import { validateConfig } from './config-set.js';

function messages(spec: string): string[] {
  const text = `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: shop }\nspec:\n${spec}`;
  const result = validateConfig([{ name: 'f.yaml', text }]);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('AuthorizationPolicy kind', () => {
  it('accepts Istio-style policies, ports as strings or numbers', () => {
    const spec = [
      '  selector: { matchLabels: { app: backend } }',
      '  action: DENY',
      '  rules:',
      '    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend], notNamespaces: ["test-*"] } }]',
      '      to: [{ operation: { methods: [GET], paths: [/api/*, "*.png", /exact], ports: ["8080", 9090] } }]',
      '      when: [{ key: "request.headers[X-Token]", values: [secret], notValues: ["*"] }]',
      '',
    ].join('\n');
    assert.deepEqual(messages(spec), []);
    assert.deepEqual(messages('  {}\n'), []);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an unknown action', '  action: AUDIT\n', /f\.yaml:5: .*spec\.action: must be one of ALLOW, DENY, got "AUDIT"/],
    [
      'a wildcard in the middle',
      '  rules:\n    - from: [{ source: { principals: ["cluster.local/*/sa/x"] } }]\n',
      /f\.yaml:6: .*spec\.rules\[0\]\.from\[0\]\.source\.principals\[0\]: is not a principal.*"\*" may only start or end it/,
    ],
    [
      'a principal written with spiffe://',
      '  rules:\n    - from: [{ source: { principals: ["spiffe://cluster.local/ns/a/sa/b"] } }]\n',
      /principals\[0\]: is written without "spiffe:\/\/"/,
    ],
    [
      'a path without a leading slash',
      '  rules:\n    - to: [{ operation: { paths: [api] } }]\n',
      /spec\.rules\[0\]\.to\[0\]\.operation\.paths\[0\]: must start with "\/"/,
    ],
    [
      'a lower-case method',
      '  rules:\n    - to: [{ operation: { methods: [get] } }]\n',
      /methods\[0\]: is not an HTTP method/,
    ],
    [
      'a port out of range',
      '  rules:\n    - to: [{ operation: { ports: [70000] } }]\n',
      /ports\[0\]: must be at most 65535/,
    ],
    [
      'a when key other than a request header',
      '  rules:\n    - when: [{ key: source.ip, values: [10.0.0.1] }]\n',
      /f\.yaml:6: .*spec\.rules\[0\]\.when\[0\]\.key: is not "request\.headers\[NAME\]"/,
    ],
    [
      'a when without values',
      '  rules:\n    - when: [{ key: "request.headers[x]" }]\n',
      /when\[0\]: needs values or notValues/,
    ],
    [
      'an unknown field',
      '  rules:\n    - to: [{ operation: { hosts: [a] } }]\n',
      /operation\.hosts: is not a known field/,
    ],
  ];
  for (const [name, spec, expected] of bad)
    it(`refuses ${name}, naming the field and line`, () => {
      const found = messages(spec);
      assert.ok(
        found.some((message) => expected.test(message)),
        `${expected} not in:\n${found.join('\n')}`,
      );
    });
});
