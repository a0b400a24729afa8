import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError } from './authenticator.js';
import { TokenReviewAuthenticator } from './token-review.js';

// TokenReview answers as a kube-apiserver (1.30) gives them, keyed by the token reviewed.
const RECORDED: Record<string, unknown> = {
  'pod-token': {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: 'pod-token', audiences: ['pilotfish'] },
    status: {
      authenticated: true,
      user: {
        username: 'system:serviceaccount:shop:backend',
        uid: '2d4a0a8c-6f0e-4bcb-9a47-7d0c1f8f3b1e',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['backend-7c9f8d6b5-x2x9q'],
          'authentication.kubernetes.io/pod-uid': ['1f3c0b2e-8d5a-4c1e-9f2b-3a6d7e8f9a0b'],
        },
      },
      audiences: ['pilotfish'],
    },
  },
  'expired-token': {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: 'expired-token', audiences: ['pilotfish'] },
    status: { user: {}, error: '[invalid bearer token, service account token has expired]' },
  },
  'user-token': {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: 'user-token', audiences: ['pilotfish'] },
    status: {
      authenticated: true,
      user: { username: 'alice@example.com', groups: ['system:authenticated'] },
      audiences: ['pilotfish'],
    },
  },
};

describe('TokenReviewAuthenticator', () => {
  let server: Server;
  let authenticator: TokenReviewAuthenticator;
  const requests: { authorization?: string; body: { spec?: { token?: string; audiences?: string[] } } }[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const parsed = JSON.parse(body) as (typeof requests)[number]['body'];
        requests.push({ authorization: request.headers.authorization, body: parsed });
        if (
          request.url !== '/apis/authentication.k8s.io/v1/tokenreviews' ||
          request.headers.authorization !== 'Bearer control-plane-sa'
        ) {
          response.writeHead(403).end('{"kind":"Status","message":"forbidden"}');
          return;
        }
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify(RECORDED[parsed.spec?.token ?? '']));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    authenticator = new TokenReviewAuthenticator({
      apiServer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credential: () => Promise.resolve('control-plane-sa'),
      fetch,
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("proves the pod's service account, asking the API server for audience pilotfish with the control plane's credential", async () => {
    assert.deepEqual(await authenticator.authenticate('pod-token'), {
      namespace: 'shop',
      serviceAccount: 'backend',
      authenticatedBy: 'kubernetes TokenReview',
    });
    const sent = requests.at(-1);
    assert.equal(sent?.authorization, 'Bearer control-plane-sa');
    assert.deepEqual(sent?.body.spec, { token: 'pod-token', audiences: ['pilotfish'] });
  });

  const refused: [string, string, RegExp][] = [
    [
      'an expired token',
      'expired-token',
      /refused by TokenReview: \[invalid bearer token, service account token has expired\]/,
    ],
    ["a user's token, not a service account's", 'user-token', /not a service account's \(user alice@example.com\)/],
  ];
  for (const [what, token, message] of refused)
    it(`refuses ${what}, with the API server's reason`, async () => {
      await assert.rejects(authenticator.authenticate(token), (error: Error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.match(error.message, message);
        return true;
      });
    });

  it('leaves bootstrap tokens to their own authenticator without asking the API server', async () => {
    const count = requests.length;
    const payload = Buffer.from(JSON.stringify({ iss: 'pilotfish' })).toString('base64url');
    assert.equal(await authenticator.authenticate(`e30.${payload}.c2ln`), undefined);
    assert.equal(requests.length, count);
  });

  it('says which API server answered what when it refuses the control plane itself', async () => {
    const unauthorized = new TokenReviewAuthenticator({
      apiServer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credential: () => Promise.resolve('stale'),
      fetch,
    });
    await assert.rejects(
      unauthorized.authenticate('pod-token'),
      /TokenReview at http:\/\/127.0.0.1:\d+ answered 403: .*forbidden/,
    );
  });
});
