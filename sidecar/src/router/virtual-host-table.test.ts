import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTarget } from './request-target.js';
import { VirtualHostTable } from './virtual-host-table.js';

const describeAt = (vh: number, d: number) => `virtual_hosts[${vh}].domains[${d}]`;

describe('virtual host lookup', () => {
  const table = new VirtualHostTable(
    [
      { domains: ['backend', 'backend.default', 'backend.default.svc', 'backend.default.svc.cluster.local'], value: 'backend' },
      { domains: ['*.example.com'], value: 'example-suffix' },
      { domains: ['*.api.example.com'], value: 'api-suffix' },
      { domains: ['db.*'], value: 'db-prefix' },
      { domains: ['*'], value: 'any' },
    ],
    describeAt,
  );
  const cases: Array<[string, string | undefined, string]> = [
    ['backend', 'GET /', 'backend'],
    ['backend:8080', 'GET /', 'backend'],
    ['Backend.Default', 'GET /', 'backend'],
    ['backend.default.svc.cluster.local:80', 'GET /', 'backend'],
    ['www.example.com', 'GET /', 'example-suffix'],
    ['v1.api.example.com', 'GET /', 'api-suffix'],
    ['db.internal', 'GET /', 'db-prefix'],
    ['elsewhere', 'GET /', 'any'],
    ['[::1]:8080', 'GET /', 'any'],
  ];
  for (const [host, , expected] of cases) {
    it(`sends Host "${host}" to ${expected}`, () => {
      const target = requestTarget('/x', host);
      assert.equal(table.find(target?.host ?? ''), expected);
    });
  }

  it('finds nothing for an unknown host when there is no catch-all', () => {
    const strict = new VirtualHostTable([{ domains: ['backend'], value: 'backend' }], describeAt);
    assert.equal(strict.find('frontend'), undefined);
  });

  it('rejects a domain in two virtual hosts and a wildcard in the middle, naming where', () => {
    assert.throws(() => new VirtualHostTable([{ domains: ['a'], value: 1 }, { domains: ['A'], value: 2 }], describeAt), /virtual_hosts\[1\]\.domains\[0\]: domain "A" appears in more than one/);
    assert.throws(() => new VirtualHostTable([{ domains: ['a.*.b'], value: 1 }], describeAt), /virtual_hosts\[0\]\.domains\[0\]: "a\.\*\.b": a wildcard may stand only/);
  });
});

describe('request target', () => {
  const cases: Array<[string, string | undefined, { authority: string; host: string; path: string } | undefined]> = [
    ['/hello?x=1', 'backend:8080', { authority: 'backend:8080', host: 'backend', path: '/hello?x=1' }],
    ['http://backend:8080/x', 'ignored', { authority: 'backend:8080', host: 'backend', path: '/x' }],
    ['http://Backend.Default', undefined, { authority: 'Backend.Default', host: 'backend.default', path: '/' }],
    ['http://[::1]:80/p', undefined, { authority: '[::1]:80', host: '[::1]', path: '/p' }],
    ['/no-host', undefined, undefined],
    ['*', 'backend', undefined],
    ['http:///nohost', undefined, undefined],
  ];
  for (const [url, host, expected] of cases) {
    it(`reads ${url} with Host ${host ?? '(none)'}`, () => assert.deepEqual(requestTarget(url, host), expected));
  }
});
