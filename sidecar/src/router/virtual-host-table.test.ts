import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDomain, VirtualHostTable } from './virtual-host-table.js';

function table(domains: Array<[string, string]>): VirtualHostTable<string> {
  return new VirtualHostTable(
    domains.map(([domain, value]) => [parseDomain(domain) ?? assert.fail(domain), value] as const),
  );
}

describe('virtual host lookup', () => {
  const withCatchAll = table([
    ['backend', 'backend'],
    ['*.example.com', 'example-suffix'],
    ['*.api.example.com', 'api-suffix'],
    ['*-canary.internal', 'canary-suffix'],
    ['db.*', 'db-prefix'],
    ['db.eu.*', 'db-eu-prefix'],
    ['*', 'any'],
  ]);
  const cases: Array<[host: string, expected: string]> = [
    ['backend', 'backend'],
    ['www.example.com', 'example-suffix'],
    ['v1.api.example.com', 'api-suffix'],
    ['orders-canary.internal', 'canary-suffix'],
    ['db.internal', 'db-prefix'],
    ['db.eu.internal', 'db-eu-prefix'],
    ['example.com', 'any'],
    ['.example.com', 'any'],
    ['elsewhere', 'any'],
  ];
  for (const [host, expected] of cases) {
    it(`sends host "${host}" to ${expected} (exact, then longest suffix, then longest prefix, then *)`, () => {
      assert.equal(withCatchAll.find(host), expected);
    });
  }

  it('finds nothing for an unknown host when there is no catch-all', () => {
    assert.equal(table([['backend', 'backend']]).find('frontend'), undefined);
  });
});

describe('virtual host domains', () => {
  const cases: Array<[domain: string, expected: ReturnType<typeof parseDomain>]> = [
    ['Backend.Default', { kind: 'exact', value: 'backend.default' }],
    ['backend:8080', { kind: 'exact', value: 'backend:8080' }],
    ['*.example.com', { kind: 'suffix', value: '.example.com' }],
    ['example.*', { kind: 'prefix', value: 'example.' }],
    ['*', { kind: 'any' }],
    ['a.*.b', undefined],
    ['*.a.*', undefined],
    ['', undefined],
  ];
  for (const [domain, expected] of cases) {
    it(`reads domain "${domain}" as ${expected ? expected.kind : 'invalid'}`, () =>
      assert.deepEqual(parseDomain(domain), expected));
  }
});
