import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { downstreamResponseHeaders, ensureRequestId, upstreamRequestHeaders } from './proxy-headers.js';

const REQUEST_ID = 'req-1';

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

describe('upstream request headers', () => {
  const cases: Array<[name: string, raw: string[], remote: string | undefined, expected: Array<[string, string]>]> = [
    [
      'sets Host to the authority and adds the forwarding headers',
      ['Host', 'backend:8080', 'Accept', '*/*', 'X-Request-Id', REQUEST_ID],
      '10.0.0.2',
      [
        ['host', 'backend:8080'],
        ['Accept', '*/*'],
        ['X-Request-Id', REQUEST_ID],
        ['x-forwarded-for', '10.0.0.2'],
        ['x-forwarded-proto', 'http'],
      ],
    ],
    [
      'appends the peer to x-forwarded-for and keeps x-forwarded-proto',
      [
        'x-forwarded-for',
        '1.1.1.1',
        'X-Forwarded-For',
        '2.2.2.2',
        'x-forwarded-proto',
        'https',
        'x-request-id',
        REQUEST_ID,
      ],
      '10.0.0.2',
      [
        ['host', 'backend:8080'],
        ['x-forwarded-proto', 'https'],
        ['x-request-id', REQUEST_ID],
        ['x-forwarded-for', '1.1.1.1, 2.2.2.2, 10.0.0.2'],
      ],
    ],
    [
      'drops hop-by-hop headers, the ones Connection lists, and Expect',
      [
        'Connection',
        'keep-alive, X-Private',
        'connection',
        'x-other',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Connection',
        'keep-alive',
        'TE',
        'gzip',
        'Trailer',
        'x-t',
        'Transfer-Encoding',
        'chunked',
        'Upgrade',
        'websocket',
        'Proxy-Authorization',
        'Basic x',
        'Proxy-Authenticate',
        'Basic',
        'X-Private',
        'secret',
        'X-Other',
        'secret',
        'Expect',
        '100-continue',
        'x-request-id',
        REQUEST_ID,
        'x-kept',
        'yes',
      ],
      undefined,
      [
        ['host', 'backend:8080'],
        ['x-request-id', REQUEST_ID],
        ['x-kept', 'yes'],
        ['x-forwarded-proto', 'http'],
      ],
    ],
    [
      'keeps "TE: trailers" (gRPC needs it end to end) and drops HTTP/2 pseudo-headers',
      [
        ':method',
        'POST',
        ':path',
        '/pkg.Svc/Call',
        ':authority',
        'echo',
        'te',
        'trailers',
        'content-type',
        'application/grpc',
        'x-request-id',
        REQUEST_ID,
      ],
      undefined,
      [
        ['host', 'backend:8080'],
        ['te', 'trailers'],
        ['content-type', 'application/grpc'],
        ['x-request-id', REQUEST_ID],
        ['x-forwarded-proto', 'http'],
      ],
    ],
  ];
  for (const [name, raw, remote, expected] of cases) {
    it(name, () => assert.deepEqual(pairs(upstreamRequestHeaders(raw, 'backend:8080', remote)), expected));
  }

  it('says https in x-forwarded-proto for a request that came over TLS, unless the request says', () => {
    assert.equal(
      new Map(pairs(upstreamRequestHeaders([], 'b', undefined, undefined, undefined, true))).get('x-forwarded-proto'),
      'https',
    );
    assert.equal(
      new Map(
        pairs(upstreamRequestHeaders(['X-Forwarded-Proto', 'http'], 'b', undefined, undefined, undefined, true)),
      ).get('X-Forwarded-Proto'),
      'http',
    );
  });

  it('gives a request without one a fresh x-request-id, seen by the routing and sent upstream, and keeps one it has', () => {
    const fresh = () => ({ headers: {} as IncomingHttpHeaders, rawHeaders: [] as string[] });
    const [first, second] = [fresh(), fresh()];
    for (const req of [first, second]) ensureRequestId(req as unknown as IncomingMessage);
    assert.match(String(first.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
    assert.equal(
      new Map(pairs(upstreamRequestHeaders(first.rawHeaders, 'b', undefined))).get('x-request-id'),
      first.headers['x-request-id'],
    );
    const given = { headers: { 'x-request-id': 'r-1' } as IncomingHttpHeaders, rawHeaders: ['X-Request-Id', 'r-1'] };
    ensureRequestId(given as unknown as IncomingMessage);
    assert.deepEqual(given.rawHeaders, ['X-Request-Id', 'r-1']);
  });
});

describe('downstream response headers', () => {
  it('drops hop-by-hop headers and the ones Connection lists, keeping the rest', () => {
    const headers = downstreamResponseHeaders({
      connection: 'x-hop, close',
      'x-hop': 'secret',
      'keep-alive': 'timeout=99',
      'transfer-encoding': 'chunked',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
    });
    assert.deepEqual(headers, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
  });
});
