// Compiles an envoy.filters.http.rbac entry of a listener's http_filters into an RbacFilter, and an
// envoy.filters.network.rbac filter of a TCP listener into its engine. Their `rules` are enforced;
// shadow rules and matcher trees are refused by name (not supported yet).
import type { Filter__Output } from '../../../proto/gen/envoy/config/listener/v3/Filter.js';
import type { RBAC__Output } from '../../../proto/gen/envoy/extensions/filters/http/rbac/v3/RBAC.js';
import type { RBAC__Output as NetworkRbac__Output } from '../../../proto/gen/envoy/extensions/filters/network/rbac/v3/RBAC.js';
import { TYPE_URL } from '../../../proto/xds.js';
import { RbacFilter } from '../filters/rbac-filter.js';
import type { RbacEngine } from '../filters/rbac.js';
import { peerIdentity } from '../http/peer-identity.js';
import { compileRbac } from './compile-rbac.js';
import { configError, rejectUnsupported, type ResourceRef } from './compile-errors.js';

export const RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
const NETWORK_RBAC_FILTER_NAME = 'envoy.filters.network.rbac';
const UNSUPPORTED = [
  ['shadow_rules', 'shadow policies'],
  ['matcher', 'matcher trees; use rules'],
  ['shadow_matcher', 'shadow policies'],
] as const;
// Without rules the filter allows everything, as Envoy's does.
const NO_RULES = { action: 'DENY', policies: {} } as const;

export function compileRbacFilter(
  resource: ResourceRef,
  path: string,
  typedConfig: { '@type'?: string } | undefined,
): RbacFilter {
  const type = typedConfig?.['@type'];
  if (type !== TYPE_URL.rbac) throw configError(resource, path, `expected ${TYPE_URL.rbac}, got ${type ?? 'none'}`);
  const config = typedConfig as RBAC__Output;
  rejectUnsupported(resource, path, config, UNSUPPORTED);
  return new RbacFilter(compileRbac(resource, `${path}.rules`, config.rules ?? NO_RULES), peerIdentity);
}

/** A filter before a TCP listener's tcp_proxy: only network RBAC, checked when a connection opens. */
export function compileNetworkRbac(resource: ResourceRef, path: string, filter: Filter__Output): RbacEngine {
  if (filter.name !== NETWORK_RBAC_FILTER_NAME)
    throw configError(
      resource,
      path,
      `network filter "${filter.name ?? ''}" is not supported by this sidecar yet (${NETWORK_RBAC_FILTER_NAME})`,
    );
  const config = filter.typed_config as (NetworkRbac__Output & { '@type'?: string }) | undefined;
  const at = `${path}.typed_config`;
  if (config?.['@type'] !== TYPE_URL.networkRbac)
    throw configError(resource, at, `expected ${TYPE_URL.networkRbac}, got ${config?.['@type'] ?? 'none'}`);
  rejectUnsupported(resource, at, config, UNSUPPORTED);
  if (config.enforcement_type === 'CONTINUOUS')
    throw configError(
      resource,
      `${at}.enforcement_type`,
      'CONTINUOUS is not supported by this sidecar yet (ONE_TIME_ON_FIRST_BYTE)',
    );
  return compileRbac(resource, `${at}.rules`, config.rules ?? NO_RULES);
}
