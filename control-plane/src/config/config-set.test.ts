import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConfigError } from './config-error.js';
import { parseDuration } from './duration.js';
import { validateConfig } from './config-set.js';
import type { ValidateOptions } from './validate-options.js';
import { regexProblem } from './schema-common.js';
import { aliasBomb } from '../../../test/support/hostile-config.js';

const REGISTERED = new Set([
  'reviews.default.svc.cluster.local',
  'ratings.default.svc.cluster.local',
  'db.data.svc.cluster.local',
]);
const ONLINE: ValidateOptions = { isRegistered: (fqdn) => REGISTERED.has(fqdn) };

function doc(kind: string, name: string, spec: string, extra = ''): string {
  return `apiVersion: pilotfish.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}spec:\n${spec}`;
}

const SUBSETS = doc(
  'DestinationPolicy',
  'reviews',
  '  host: reviews\n  subsets:\n    - { name: v1, labels: { version: v1 } }\n    - { name: v2, labels: { version: v2 } }\n',
);

/** Messages for `text` as file `f.yaml` (with the subsets policy in `base.yaml`), or [] when valid. */
function messages(text: string, options: ValidateOptions = ONLINE): string[] {
  const result = validateConfig(
    [
      { name: 'base.yaml', text: SUBSETS },
      { name: 'f.yaml', text },
    ],
    options,
  );
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('config validation', () => {
  const good: Array<[string, string]> = [
    [
      'a route with matches, split, retries, rewrite, header edits, fault and mirror',
      doc(
        'Route',
        'reviews',
        `  host: reviews
  rules:
    - match:
        - path: { prefix: /api/ }
          headers: { x-user: { exact: jason }, x-debug: { present: true } }
          method: GET
          query: { v: { regex: "^[0-9]+$" } }
        - path: { regex: "^/v[12]/.*" }
      destinations:
        - { service: reviews, subset: v1, weight: 90 }
        - { service: reviews.default, subset: v2, weight: 10 }
      timeout: 2s
      retries: { attempts: 3, perTryTimeout: 250ms, retryOn: [5xx, reset], backoff: { base: 10ms, max: 1s } }
      headers: { request: { add: { x-route: a }, remove: [x-secret] }, response: { add: { x-served: b } } }
      fault: { delay: { fixed: 1m, percent: 0.1 }, abort: { status: 503, percent: 5 } }
      mirror: { service: ratings, percent: 50 }
    - destinations: [{ service: ratings.default.svc.cluster.local }]
      rewrite: { prefix: /, host: ratings }
`,
      ),
    ],
    [
      'a destination policy with ring hash, pools, outlier detection, health checks and subset overrides',
      doc(
        'DestinationPolicy',
        'ratings',
        `  host: ratings
  loadBalancer: { policy: ring_hash, hashOn: { header: x-user }, minRingSize: 1024 }
  localityPreference: true
  connectionPool: { maxConnections: 10, maxPendingRequests: 5, maxRequests: 100, maxRetries: 3, retryBudget: { percent: 20, minRetryConcurrency: 3 }, idleTimeout: 30s, connectTimeout: 1s }
  outlierDetection: { consecutive5xx: 5, consecutiveGatewayErrors: 3, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
  healthCheck: { path: /healthz, interval: 5s, timeout: 1s }
  subsets:
    - { name: canary, labels: { track: canary }, loadBalancer: { policy: least_request } }
`,
      ),
    ],
    [
      'a gRPC health check for one service of the server',
      doc(
        'DestinationPolicy',
        'ratings',
        '  host: ratings\n  healthCheck: { grpc: { service: ratings.v1.Ratings }, interval: 5s, timeout: 1s }\n',
      ),
    ],
    [
      'rate limits for all, per caller and per header',
      doc(
        'RateLimit',
        'reviews',
        `  host: reviews
  limits:
    - { match: { path: { prefix: /api } }, requests: 10, per: 1s, key: { source: true } }
    - { requests: 100, per: 1m, key: { header: x-api-key } }
    - { requests: 1000, per: 1s }
`,
      ),
    ],
    [
      'a Service declaring a service that routes may name before it registers',
      `${doc('Service', 'payments', '  ports: [{ port: 8080, protocol: grpc }]\n')}\n---\n${doc('Route', 'payments', '  host: payments\n  rules:\n    - destinations: [{ service: payments }]\n')}`,
    ],
    [
      'a service in another namespace by qualified name',
      doc('Route', 'db', '  host: db.data\n  rules:\n    - destinations: [{ service: db.data.svc.cluster.local }]\n'),
    ],
    [
      'app parameters of any JSON type with subset overrides',
      doc(
        'ServiceConfig',
        'ratings',
        `  service: ratings
  parameters:
    requireMfa: true
    maxUploadMb: 25
    banner: null
    regions: [eu, us]
    limits: { perUser: 10, burst: { size: 5 } }
  subsets:
    - labels: { version: v2 }
      parameters: { maxUploadMb: 50 }
`,
      ),
    ],
    [
      'app parameters for a declared service, by qualified name, with no parameters yet',
      `${doc('Service', 'payments', '  ports: [{ port: 8080 }]\n')}---\n${doc('ServiceConfig', 'payments', '  service: payments.default.svc.cluster.local\n  parameters: {}\n')}`,
    ],
    [
      'a short name resolved in the document namespace',
      doc('Route', 'db', '  host: db\n  rules:\n    - destinations: [{ service: db }]\n', '  namespace: data\n'),
    ],
  ];
  for (const [name, text] of good) it(`accepts ${name}`, () => assert.deepEqual(messages(text), []));

  it('gives the MeshConfig defaults without one, and its settings with one', () => {
    const defaults = validateConfig([], ONLINE);
    assert.ok(defaults.ok);
    assert.deepEqual(defaults.config.mesh, {
      tracing: { sampling: 1 },
      accessLog: { enabled: false },
      defaultRetries: { attempts: 2, retryOn: ['connect-failure', 'refused-stream', 503], retryNonIdempotent: true },
      listenerLimits: { maxConnections: 1024, requestHeadersTimeout: 10_000, maxRequestHeaders: 100 },
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    });
    const set = validateConfig(
      [
        {
          name: 'm.yaml',
          text: doc(
            'MeshConfig',
            'mesh',
            '  tracing: { sampling: 0.5 }\n  accessLog: { enabled: true }\n  defaultRetries: { attempts: 0 }\n  listenerLimits: { requestHeadersTimeout: 2s, maxRequestHeaders: 200 }\n',
          ),
        },
      ],
      ONLINE,
    );
    assert.ok(set.ok);
    assert.deepEqual(set.config.mesh, {
      tracing: { sampling: 0.5 },
      accessLog: { enabled: true },
      defaultRetries: { attempts: 0 },
      listenerLimits: { maxConnections: 1024, requestHeadersTimeout: 2000, maxRequestHeaders: 200 },
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    });
    const empty = validateConfig(
      [{ name: 'm.yaml', text: 'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\n' }],
      ONLINE,
    );
    assert.ok(empty.ok);
    assert.deepEqual(empty.config.mesh, defaults.config.mesh);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      'a header limit above what the sidecars can count',
      doc('MeshConfig', 'mesh', '  listenerLimits:\n    maxRequestHeaders: 5000\n'),
      /^f\.yaml:7: MeshConfig "mesh": spec\.listenerLimits\.maxRequestHeaders: must be at most 1000$/,
    ],
    [
      'weights that do not sum to 100',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations:\n        - { service: reviews, subset: v1, weight: 50 }\n        - { service: reviews, subset: v2, weight: 40 }\n',
      ),
      /^f\.yaml:8: Route "reviews": spec\.rules\[0\]\.destinations: weights sum to 90, must be 100$/,
    ],
    [
      'a missing weight among several destinations',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations:\n        - { service: reviews, subset: v1, weight: 50 }\n        - { service: reviews, subset: v2 }\n',
      ),
      /^f\.yaml:10: Route "reviews": spec\.rules\[0\]\.destinations\[1\]\.weight: is required when a rule has more than one destination$/,
    ],
    [
      'an invalid regex',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - match: [{ path: { regex: "([a-z" } }]\n      destinations: [{ service: reviews }]\n',
      ),
      /^f\.yaml:8: Route "reviews": spec\.rules\[0\]\.match\[0\]\.path\.regex: "\(\[a-z" is not a valid regex/,
    ],
    [
      'a lookahead, which RE2 lacks',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - match: [{ headers: { x-a: { regex: "a(?!b)" } } }]\n      destinations: [{ service: reviews }]\n',
      ),
      /spec\.rules\[0\]\.match\[0\]\.headers\["x-a"\]\.regex: "a\(\?!b\)" uses lookaround "\(\?!", which RE2/,
    ],
    [
      'a backreference, which RE2 lacks',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - match: [{ query: { q: { regex: "(a)\\\\1" } } }]\n      destinations: [{ service: reviews }]\n',
      ),
      /query\.q\.regex: .* uses a backreference "\\1"/,
    ],
    [
      'an unknown subset',
      doc('Route', 'reviews', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews, subset: v3 }]\n'),
      /spec\.rules\[0\]\.destinations\[0\]\.subset: unknown subset "v3" of reviews\.default\.svc\.cluster\.local: its DestinationPolicy declares v1, v2$/,
    ],
    [
      'a subset of a service without a policy',
      doc('Route', 'ratings', '  host: ratings\n  rules:\n    - destinations: [{ service: ratings, subset: v1 }]\n'),
      /unknown subset "v1" of ratings\.default\.svc\.cluster\.local: no DestinationPolicy declares its subsets/,
    ],
    [
      'a zero duration',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n      timeout: 0s\n',
      ),
      /^f\.yaml:9: Route "reviews": spec\.rules\[0\]\.timeout: "0s" is zero; a duration must be positive$/,
    ],
    [
      'a negative duration',
      doc('RateLimit', 'reviews', '  host: reviews\n  limits:\n    - requests: 1\n      per: -1s\n'),
      /^f\.yaml:9: RateLimit "reviews": spec\.limits\[0\]\.per: "-1s" is negative/,
    ],
    [
      'a duration without a unit',
      doc('DestinationPolicy', 'ratings', '  host: ratings\n  connectionPool:\n    idleTimeout: 30\n'),
      /spec\.connectionPool\.idleTimeout: must be a string, got number 30/,
    ],
    [
      'an unknown kind',
      'apiVersion: pilotfish.dev/v1\nkind: VirtualService\nmetadata: { name: x }\nspec: {}\n',
      /^f\.yaml:2: VirtualService "x": kind: "VirtualService" is not a kind this control plane knows \(Route, DestinationPolicy, RateLimit, Service, ServiceConfig, MeshConfig, Gateway, Sidecar, PeerAuthentication, AuthorizationPolicy\)$/,
    ],
    [
      'an unknown apiVersion',
      'apiVersion: networking.istio.io/v1\nkind: Route\nmetadata: { name: x }\nspec: {}\n',
      /^f\.yaml:1: Route "x": apiVersion: "networking\.istio\.io\/v1" is not supported; use pilotfish\.dev\/v1$/,
    ],
    [
      'an unknown field',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n      retry: { attempts: 2 }\n',
      ),
      /^f\.yaml:9: Route "reviews": spec\.rules\[0\]\.retry: is not a known field$/,
    ],
    [
      'a duplicate document',
      `${doc('Route', 'reviews', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n')}---\n${doc('Route', 'reviews', '  host: ratings\n  rules:\n    - destinations: [{ service: ratings }]\n')}`,
      /^f\.yaml:13: Route "reviews": metadata\.name: duplicates the Route of the same namespace and name at f\.yaml:1$/,
    ],
    [
      'two policies of one kind for one service',
      `${doc('DestinationPolicy', 'reviews-2', '  host: reviews.default.svc.cluster.local\n')}`,
      /^f\.yaml:6: DestinationPolicy "reviews-2": spec\.host: reviews\.default\.svc\.cluster\.local already has a DestinationPolicy: DestinationPolicy "reviews" at base\.yaml:1/,
    ],
    ['text that is not YAML', 'kind: Route\n  bad: [\n', /^f\.yaml:\d+: not valid YAML: /],
    [
      'ring hash without what to hash',
      doc('DestinationPolicy', 'ratings', '  host: ratings\n  loadBalancer: { policy: ring_hash }\n'),
      /spec\.loadBalancer\.hashOn: is required with policy ring_hash/,
    ],
    [
      'an unknown load balancer',
      doc('DestinationPolicy', 'ratings', '  host: ratings\n  loadBalancer: { policy: fastest }\n'),
      /spec\.loadBalancer\.policy: must be one of round_robin, least_request, ring_hash, random, got "fastest"/,
    ],
    [
      'an unknown retry condition',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n      retries: { attempts: 2, retryOn: [sometimes] }\n',
      ),
      /spec\.rules\[0\]\.retries\.retryOn\[0\]: must be one of 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, or an HTTP status code from 400 to 599, got "sometimes"/,
    ],
    [
      'a prefix rewrite of a regex match',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - match: [{ path: { regex: "/a.*" } }]\n      destinations: [{ service: reviews }]\n      rewrite: { prefix: /b }\n',
      ),
      /spec\.rules\[0\]\.rewrite\.prefix: needs path matches by prefix or exact, but match\[0\] is a regex/,
    ],
    [
      'a rate limit key with two sources',
      doc(
        'RateLimit',
        'reviews',
        '  host: reviews\n  limits: [{ requests: 1, per: 1s, key: { source: true, header: x-a } }]\n',
      ),
      /spec\.limits\[0\]\.key: sets source and header; choose one/,
    ],
    [
      'a fault percentage above 100',
      doc(
        'Route',
        'reviews',
        '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n      fault: { abort: { status: 503, percent: 150 } }\n',
      ),
      /spec\.rules\[0\]\.fault\.abort\.percent: must be at most 100/,
    ],
    [
      'a host that is not a service name',
      doc('Route', 'x', '  host: Reviews.example.com.x\n  rules:\n    - destinations: [{ service: reviews }]\n'),
      /spec\.host: "Reviews\.example\.com\.x" is not a service name/,
    ],
    [
      'two ServiceConfigs for one service',
      `${doc('ServiceConfig', 'a', '  service: ratings\n  parameters: { a: 1 }\n')}---\n${doc('ServiceConfig', 'b', '  service: ratings.default\n  parameters: { a: 2 }\n')}`,
      /^f\.yaml:14: ServiceConfig "b": spec\.service: ratings\.default\.svc\.cluster\.local already has a ServiceConfig: ServiceConfig "a" at f\.yaml:1; put its parameters in one document$/,
    ],
    [
      'app parameters without parameters',
      doc('ServiceConfig', 'ratings', '  service: ratings\n'),
      /^f\.yaml:5: ServiceConfig "ratings": spec\.parameters: is required$/,
    ],
    [
      'app parameters that are a list',
      doc('ServiceConfig', 'ratings', '  service: ratings\n  parameters: [a, b]\n'),
      /^f\.yaml:7: ServiceConfig "ratings": spec\.parameters: must be a record, got a list$/,
    ],
    [
      'an app parameter that is not a JSON number',
      doc('ServiceConfig', 'ratings', '  service: ratings\n  parameters:\n    limits: { burst: .inf }\n'),
      /^f\.yaml:8: ServiceConfig "ratings": spec\.parameters\.limits\.burst: Infinity is not a JSON number$/,
    ],
    [
      'an app parameter subset without labels',
      doc(
        'ServiceConfig',
        'ratings',
        '  service: ratings\n  parameters: {}\n  subsets:\n    - labels: {}\n      parameters: { a: 1 }\n',
      ),
      /^f\.yaml:9: ServiceConfig "ratings": spec\.subsets\[0\]\.labels: needs at least one label/,
    ],
    [
      'an unknown field in app parameters',
      doc(
        'ServiceConfig',
        'ratings',
        '  service: ratings\n  parameters: {}\n  subsets:\n    - labels: { version: v2 }\n      params: { a: 1 }\n',
      ),
      /spec\.subsets\[0\]\.params: is not a known field/,
    ],
    [
      'a sampling share above 100%',
      doc('MeshConfig', 'mesh', '  tracing: { sampling: 150 }\n'),
      /^f\.yaml:6: MeshConfig "mesh": spec\.tracing\.sampling: must be at most 100$/,
    ],
    [
      'access logging that is not a switch',
      doc('MeshConfig', 'mesh', '  accessLog: { enabled: yes please }\n'),
      /^f\.yaml:6: MeshConfig "mesh": spec\.accessLog\.enabled: must be a boolean, got string "yes please"$/,
    ],
    [
      'two MeshConfigs',
      `${doc('MeshConfig', 'a', '  accessLog: { enabled: true }\n')}---\n${doc('MeshConfig', 'b', '  accessLog: { enabled: false }\n', '  namespace: other\n')}`,
      /^f\.yaml:11: MeshConfig "other\/b": metadata\.name: the mesh already has a MeshConfig: MeshConfig "a" at f\.yaml:1; a mesh has at most one$/,
    ],
    [
      'a subset without labels',
      doc('DestinationPolicy', 'ratings', '  host: ratings\n  subsets: [{ name: v1, labels: {} }]\n'),
      /spec\.subsets\[0\]\.labels: needs at least one label/,
    ],
    [
      'a health check both HTTP and gRPC',
      doc(
        'DestinationPolicy',
        'ratings',
        '  host: ratings\n  healthCheck: { path: /healthz, grpc: {}, interval: 5s, timeout: 1s }\n',
      ),
      /^f\.yaml:7: DestinationPolicy "ratings": spec\.healthCheck\.grpc: needs either path \(an HTTP check\) or grpc \(a gRPC health check\), not both$/,
    ],
    [
      'a health check with neither a path nor grpc',
      doc('DestinationPolicy', 'ratings', '  host: ratings\n  healthCheck: { interval: 5s, timeout: 1s }\n'),
      /^f\.yaml:7: DestinationPolicy "ratings": spec\.healthCheck: needs either path \(an HTTP check\) or grpc \(a gRPC health check\), not both$/,
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

  it('refuses a document over 1 MiB, naming where it starts, and still reads the documents beside it', () => {
    const huge = doc(
      'ServiceConfig',
      'ratings',
      `  service: ratings\n  parameters: { blob: "${'x'.repeat(1024 * 1024)}" }\n`,
    );
    const found = messages(
      `${doc('Route', 'a', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n')}---\n${huge}`,
    );
    assert.deepEqual(found, ['f.yaml:10: document 2: is 1.0 MiB; a document may hold at most 1 MiB']);
  });

  it('refuses an alias bomb, naming the document and its first alias, and still reads the documents beside it', () => {
    const found = messages(
      `${doc('Route', 'a', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n')}---\n${aliasBomb()}`,
    );
    assert.deepEqual(found, [
      'f.yaml:18: ServiceConfig "ratings": not valid config: its aliases expand too much (at most 100 alias expansions per document)',
    ]);
    assert.deepEqual(
      messages(doc('ServiceConfig', 'ratings', '  service: ratings\n  parameters:\n    a: &a [1, 2]\n    b: *a\n')),
      [],
      'a shared anchor is fine',
    );
  });

  it('reports every problem of a set, not only the first', () => {
    const found = messages(
      `${doc('Route', 'a', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews, weight: 50 }]\n')}---\n${doc('Route', 'b', '  host: ratings\n  rules:\n    - destinations: [{ service: ratings }]\n      timeout: soon\n')}`,
    );
    assert.equal(found.length, 2, found.join('\n'));
  });

  it('accepts references to services with no instance and no Service document, noting each while none registers', () => {
    const text = doc(
      'Route',
      'reviews',
      '  host: reviews\n  rules:\n    - destinations: [{ service: reviews, weight: 90 }, { service: archive, weight: 10 }]\n      mirror: { service: shadow }\n',
    );
    const result = validateConfig([{ name: 'f.yaml', text }], ONLINE);
    assert.ok(result.ok);
    assert.deepEqual(result.notes.map(formatConfigError), [
      'f.yaml:8: Route "reviews": spec.rules[0].destinations[1].service: no instance of "archive" (archive.default.svc.cluster.local) is registered and no Service document declares it: requests to it get 503 until one registers',
      'f.yaml:9: Route "reviews": spec.rules[0].mirror.service: no instance of "shadow" (shadow.default.svc.cluster.local) is registered and no Service document declares it: requests to it get 503 until one registers',
    ]);
    assert.deepEqual(
      [...new Set(result.undeclared.map((reference) => reference.fqdn))],
      ['reviews.default.svc.cluster.local', 'archive.default.svc.cluster.local', 'shadow.default.svc.cluster.local'],
      'every undeclared reference is kept, registered now or not: instances come and go',
    );
  });

  it('offline, notes services no Service document declares instead of rejecting them', () => {
    const result = validateConfig([
      {
        name: 'r.yaml',
        text: doc('Route', 'reviews', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n'),
      },
    ]);
    assert.equal(result.ok, true);
    assert.match(
      formatConfigError(result.notes[0] ?? { message: '' }),
      /^r\.yaml:6: Route "reviews": spec\.host: "reviews" \(reviews\.default\.svc\.cluster\.local\) is not declared by a Service document in these files; not checked offline/,
    );
  });

  it('offline with requireDeclared, rejects services no Service document declares', () => {
    const result = validateConfig(
      [
        {
          name: 'r.yaml',
          text: doc('Route', 'reviews', '  host: reviews\n  rules:\n    - destinations: [{ service: reviews }]\n'),
        },
      ],
      { requireDeclared: true },
    );
    assert.equal(result.ok, false);
    assert.match(
      formatConfigError(result.ok ? { message: '' } : (result.errors[0] as never)),
      /^r\.yaml:6: Route "reviews": spec\.host: "reviews" \(reviews\.default\.svc\.cluster\.local\) is not declared by a Service document in these files \(the registry is not consulted offline\)$/,
    );
  });

  it('parses durations to milliseconds and refuses zero, negative and unitless ones', () => {
    assert.deepEqual(parseDuration('250ms'), { ms: 250 });
    assert.deepEqual(parseDuration('1m30s'), { ms: 90_000 });
    assert.deepEqual(parseDuration('1.5s'), { ms: 1500 });
    for (const text of ['0ms', '-2s', '10', 's', '1d']) assert.ok('error' in parseDuration(text), text);
  });

  it('refuses regexes RE2 cannot run, and lets character classes and escapes through', () => {
    for (const pattern of ['a(?=b)', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>'])
      assert.ok(regexProblem(pattern), pattern);
    for (const pattern of ['^/api/v[0-9]+$', '[(?=]', '\\(\\?=', '(?:a|b)', '(?<name>a)'])
      assert.equal(regexProblem(pattern), undefined, pattern);
  });
});
