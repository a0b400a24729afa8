// `node dist/bench/rbac-filter.js [--requests N] [--rounds N]`: the CPU the sidecar's RBAC filter
// adds per request with 10 ALLOW rules (AuthorizationPolicy → xDS → compiled as a sidecar does),
// in process: the filter chain alone, so the figure is the filter's own share of a hop's CPU.
// Each round times an empty chain and the RBAC chain over the same requests; medians are printed.
import { Command } from 'commander';
import type { IncomingMessage } from 'node:http';
import { decodeResource, encodeResource, TYPE_URL } from '../proto/xds.js';
import { validateConfig } from '../control-plane/src/config/config-set.js';
import { policiesFor, rbacHttpFilters } from '../control-plane/src/translate/rbac-filters.js';
import { HttpFilterChain } from '../sidecar/src/filters/http-filter-chain.js';
import type { RouteFilterConfig } from '../sidecar/src/filters/http-filter.js';
import { compileRbacFilter } from '../sidecar/src/xds/compile-rbac-filter.js';

const options = new Command('rbac-filter')
  .option('--requests <n>', 'requests per round and chain', Number, 200_000)
  .option('--rounds <n>', 'rounds', Number, 7)
  .parse()
  .opts<{ requests: number; rounds: number }>();

// Ten rules as a service would have them: a source, methods, path prefixes and a header each. No
// principals: the requests here come without mTLS, and a principal rule would deny them.
const RULES = Array.from(
  { length: 10 },
  (_, index) =>
    `    - from: [{ source: { notNamespaces: [test-${index}] } }]\n` +
    `      to: [{ operation: { methods: [GET, POST], paths: [/api/v${index}/*, /health] } }]\n` +
    `      when: [{ key: "request.headers[x-team]", values: [team-${index}] }]\n`,
).join('');

function rbacChain(): HttpFilterChain {
  const text = `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: bench, namespace: shop }\nspec:\n  rules:\n${RULES}`;
  const result = validateConfig([{ name: 'bench.yaml', text }]);
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  const filters = rbacHttpFilters(policiesFor(result.config, { name: 'backend', namespace: 'shop', instances: [] }));
  return new HttpFilterChain(
    filters.map((filter, index) => {
      const listener = { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: filter.typed_config }] }] };
      const received = decodeResource(encodeResource(TYPE_URL.listener, listener)) as {
        filter_chains: Array<{ filters: Array<{ typed_config: { '@type'?: string } }> }>;
      };
      return compileRbacFilter('bench', `http_filters[${index}]`, received.filter_chains[0]?.filters[0]?.typed_config);
    }),
  );
}

// The last rule matches: an allowed request evaluates all ten (the most work an ALLOW costs).
// A plaintext socket: no peer certificate, as peerIdentity sees it after its first (cached) look.
const request = {
  method: 'GET',
  url: '/api/v9/items?page=2',
  headers: { host: 'backend', 'x-team': 'team-9', 'user-agent': 'bench' },
  socket: { localPort: 15006 },
} as unknown as IncomingMessage;
const ROUTE: RouteFilterConfig = { routeName: 'default', rateLimit: undefined, fault: undefined };

/** CPU microseconds per request for `chain` (process user+system time). */
function cpuPerRequest(chain: HttpFilterChain): number {
  let passed = 0;
  const end = () => passed++;
  const start = process.cpuUsage();
  for (let i = 0; i < options.requests; i++) chain.decode(request, undefined as never, ROUTE, end, undefined);
  const used = process.cpuUsage(start);
  if (passed !== options.requests) throw new Error(`the chain let ${passed} of ${options.requests} requests through`);
  return (used.user + used.system) / options.requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const empty = new HttpFilterChain([]);
const rbac = rbacChain();
cpuPerRequest(rbac); // warm-up: JIT
const added: number[] = [];
for (let round = 0; round < options.rounds; round++) added.push(cpuPerRequest(rbac) - cpuPerRequest(empty));
console.log(
  JSON.stringify({
    rules: 10,
    requestsPerRound: options.requests,
    rounds: options.rounds,
    addedCpuMicrosecondsPerRequest: { median: median(added), min: Math.min(...added), max: Math.max(...added) },
  }),
);
