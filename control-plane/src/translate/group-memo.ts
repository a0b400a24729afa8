// What a group's last translation was made from, so that the next one rebuilds only what changed:
// a service whose instances are the same objects keeps its resources (the cache keeps their
// encodings), and one whose instances changed gets new endpoints and clusters but keeps its
// listeners unless its protocol, virtual IP or the AuthorizationPolicies selecting its instances
// changed. After a config change, a service keeps what its config keys (config-keys.ts) say is
// unchanged; a change of the group's key rebuilds it whole. It holds names, not resources: the
// cache has their encodings, and the translated objects would cost megabytes per group.
import type { Protocol, ServiceInstance } from '../registry/instance.js';
import type { AuthorizationPolicyDocument } from '../config/authorization-policy-schema.js';
import type { ConfigSet } from '../config/config-set.js';
import type { VirtualHost } from '../../../proto/gen/envoy/config/route/v3/VirtualHost.js';
import type { ResourceTypeUrl } from '../../../proto/xds.js';

/** Per type, the names whose resource is the one the group's current snapshot holds. */
export type KeptNames = Partial<Record<ResourceTypeUrl, Set<string>>>;

export interface ServiceMemo {
  protocol: Protocol;
  virtualIp: string | undefined;
  instances: readonly ServiceInstance[];
  /** The AuthorizationPolicies that select its instances (by label): its inbound listener's filters. */
  policies: readonly AuthorizationPolicyDocument[];
  /** Its listeners (inbound, api listeners, TCP inbound). */
  listeners: readonly string[];
  /** Its clusters, which are also the names of its load assignments. */
  clusters: readonly string[];
  virtualHost: VirtualHost | undefined;
  /** listenerKey and clusterKey of the config its listeners and clusters were built from. */
  listenerKey: string;
  clusterKey: string;
}

export interface GroupMemo {
  config: ConfigSet;
  /** groupConfigKey of `config`: another config with the same key may keep services' resources. */
  groupKey: string;
  services: ReadonlyMap<string, ServiceMemo>;
  /** The outbound route's virtual hosts, in order: the same ones keep the route. */
  virtualHosts: readonly VirtualHost[];
}

/** What a service's inputs share with its memo: nothing, its listeners only, or everything. */
export type Reuse = 'none' | 'listeners' | 'all';

export function reuseOf(
  memo: ServiceMemo | undefined,
  service: { protocol: Protocol; virtualIp: string | undefined; instances: readonly ServiceInstance[] },
): Reuse {
  if (memo === undefined || memo.protocol !== service.protocol || memo.virtualIp !== service.virtualIp) return 'none';
  return haveSameItems(memo.instances, service.instances) ? 'all' : 'listeners';
}

export function haveSameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

export function keep(kept: KeptNames, typeUrl: ResourceTypeUrl, names: readonly string[]): void {
  if (names.length === 0) return;
  const set = (kept[typeUrl] ??= new Set());
  for (const name of names) set.add(name);
}
