import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeGrpcMessage, GrpcStatus, grpcStatusOfHttp, grpcTimeoutMs, isGrpcRequest } from './grpc-status.js';

describe("gRPC status of the proxy's own answers", () => {
  const mapping: Array<[http: number, grpc: number, why: string]> = [
    [404, GrpcStatus.UNIMPLEMENTED, 'no route'],
    [503, GrpcStatus.UNAVAILABLE, 'no healthy upstream, overflow, connect failure'],
    [502, GrpcStatus.UNAVAILABLE, 'reset before headers'],
    [504, GrpcStatus.UNAVAILABLE, 'a 504 not from a router timeout'],
    [429, GrpcStatus.UNAVAILABLE, 'rate limited'],
    [403, GrpcStatus.PERMISSION_DENIED, 'denied'],
    [401, GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
    [400, GrpcStatus.INTERNAL, 'malformed'],
    [500, GrpcStatus.UNKNOWN, 'anything else'],
  ];
  for (const [http, grpc, why] of mapping)
    it(`maps HTTP ${http} (${why}) to ${grpc}`, () => assert.equal(grpcStatusOfHttp(http), grpc));

  it('knows a gRPC request by its content-type', () => {
    assert.equal(isGrpcRequest({ 'content-type': 'application/grpc' }), true);
    assert.equal(isGrpcRequest({ 'content-type': 'application/grpc+proto' }), true);
    assert.equal(isGrpcRequest({ 'content-type': 'application/json' }), false);
    assert.equal(isGrpcRequest({}), false);
  });

  it('percent-encodes grpc-message outside printable ASCII', () => {
    assert.equal(encodeGrpcMessage('no route for host "x"'), 'no route for host "x"');
    assert.equal(encodeGrpcMessage('100% é\n'), '100%25 %C3%A9%0A');
  });
});

describe('grpc-timeout', () => {
  const cases: Array<[value: string | undefined, ms: number | undefined]> = [
    ['100m', 100],
    ['5S', 5000],
    ['2M', 120_000],
    ['1H', 3_600_000],
    ['2500u', 3],
    ['10n', 1],
    ['99999999S', 99_999_999_000],
    [undefined, undefined],
    ['', undefined],
    ['100', undefined],
    ['100x', undefined],
    ['-1S', undefined],
    ['123456789S', undefined],
  ];
  for (const [value, ms] of cases)
    it(`reads ${JSON.stringify(value)} as ${ms} ms`, () => assert.equal(grpcTimeoutMs(value), ms));
});
