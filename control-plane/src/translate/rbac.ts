// AuthorizationPolicy documents → Envoy's RBAC config (envoy.config.rbac.v3.RBAC), as Istio
// translates them: one RBAC per action, one named policy per rule; a rule's operations are its
// permissions, its sources (each with the `when` header conditions) its principals. Principals are
// the peers' SPIFFE IDs (mTLS), namespaces the `ns` segment of those. For TCP (the network RBAC
// filter) a rule's HTTP-only fields cannot be checked: an ALLOW rule with them never matches, a
// DENY rule ignores them (denies more), as Istio does.
import type { Permission } from '../../../proto/gen/envoy/config/rbac/v3/Permission.js';
import type { Policy } from '../../../proto/gen/envoy/config/rbac/v3/Policy.js';
import type { Principal } from '../../../proto/gen/envoy/config/rbac/v3/Principal.js';
import type { RBAC } from '../../../proto/gen/envoy/config/rbac/v3/RBAC.js';
import type { StringMatcher } from '../../../proto/gen/envoy/type/matcher/v3/StringMatcher.js';
import type {
  AuthorizationCondition,
  AuthorizationOperation,
  AuthorizationPolicyDocument,
  AuthorizationRule,
  AuthorizationSource,
} from '../config/authorization-policy-schema.js';

export type RbacAction = 'ALLOW' | 'DENY';
/** What the RBAC config is for: requests (HTTP filter) or connections (network filter). */
export type RbacLayer = 'http' | 'tcp';

const SPIFFE = 'spiffe://';
const ANY_PERMISSION: Permission = { any: true };
const ANY_PRINCIPAL: Principal = { any: true };

/** The RBAC config of `action` for `policies` (those of other actions are skipped); undefined when none has it. */
export function rbacConfig(
  policies: readonly AuthorizationPolicyDocument[],
  action: RbacAction,
  layer: RbacLayer,
): RBAC | undefined {
  const ofAction = policies.filter((policy) => policy.spec.action === action);
  if (ofAction.length === 0) return undefined;
  const named: Record<string, Policy> = {};
  for (const policy of ofAction) {
    const { namespace, name } = policy.metadata;
    policy.spec.rules.forEach((rule, index) => {
      const translated = rulePolicy(rule, action, layer);
      if (translated !== undefined) named[`ns[${namespace}]-policy[${name}]-rule[${index}]`] = translated;
    });
  }
  // An ALLOW config without policies denies everything, as an ALLOW policy without rules should.
  return { action, policies: named };
}

function rulePolicy(rule: AuthorizationRule, action: RbacAction, layer: RbacLayer): Policy | undefined {
  const hasHttpFields =
    rule.when !== undefined ||
    (rule.to ?? []).some(({ operation }) =>
      [operation.methods, operation.notMethods, operation.paths, operation.notPaths].some((list) => list !== undefined),
    );
  if (layer === 'tcp' && hasHttpFields && action === 'ALLOW') return undefined;
  const conditions = layer === 'http' ? (rule.when ?? []).map(conditionPrincipal) : [];
  const sources = rule.from?.map(({ source }) => sourcePrincipal(source, conditions)) ?? [all(conditions)];
  const permissions = rule.to?.map(({ operation }) => operationPermission(operation, layer)) ?? [ANY_PERMISSION];
  return { permissions, principals: sources };
}

function all(ids: Principal[]): Principal {
  if (ids.length === 0) return ANY_PRINCIPAL;
  return ids.length === 1 ? (ids[0] as Principal) : { and_ids: { ids } };
}

function anyOf(ids: Principal[]): Principal {
  return ids.length === 1 ? (ids[0] as Principal) : { or_ids: { ids } };
}

function sourcePrincipal(source: AuthorizationSource, conditions: Principal[]): Principal {
  const ids: Principal[] = [];
  const principals = (values: string[]) => anyOf(values.map((value) => authenticated(wildcard(value, SPIFFE))));
  const namespaces = (values: string[]) => anyOf(values.map((value) => authenticated(namespaceMatcher(value))));
  if (source.principals) ids.push(principals(source.principals));
  if (source.notPrincipals) ids.push({ not_id: principals(source.notPrincipals) });
  if (source.namespaces) ids.push(namespaces(source.namespaces));
  if (source.notNamespaces) ids.push({ not_id: namespaces(source.notNamespaces) });
  return all([...ids, ...conditions]);
}

function authenticated(principal_name: StringMatcher): Principal {
  return { authenticated: { principal_name } };
}

/** The SPIFFE IDs of a namespace (`*`, `prefix*` and `*suffix` allowed): the `ns` segment of any trust domain. */
function namespaceMatcher(namespace: string): StringMatcher {
  const pattern = namespace
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return { safe_regex: { regex: `spiffe://[^/]+/ns/${pattern}/sa/[^/]+` } };
}

function conditionPrincipal(condition: AuthorizationCondition): Principal {
  const header = (values: string[]) =>
    anyOf(values.map((value) => ({ header: { name: condition.key, string_match: wildcard(value, '') } })));
  const ids: Principal[] = [];
  if (condition.values) ids.push(header(condition.values));
  if (condition.notValues) ids.push({ not_id: header(condition.notValues) });
  return all(ids);
}

function operationPermission(operation: AuthorizationOperation, layer: RbacLayer): Permission {
  const rules: Permission[] = [];
  const either = (list: Permission[]): Permission =>
    list.length === 1 ? (list[0] as Permission) : { or_rules: { rules: list } };
  const add = <T>(values: T[] | undefined, negated: boolean, permission: (value: T) => Permission) => {
    if (values === undefined) return;
    const match = either(values.map(permission));
    rules.push(negated ? { not_rule: match } : match);
  };
  add(operation.ports, false, (port) => ({ destination_port: port }));
  add(operation.notPorts, true, (port) => ({ destination_port: port }));
  if (layer === 'http') {
    const method = (value: string): Permission => ({ header: { name: ':method', string_match: { exact: value } } });
    const path = (value: string): Permission => ({ url_path: { path: wildcard(value, '') } });
    add(operation.methods, false, method);
    add(operation.notMethods, true, method);
    add(operation.paths, false, path);
    add(operation.notPaths, true, path);
  }
  if (rules.length === 0) return ANY_PERMISSION;
  return rules.length === 1 ? (rules[0] as Permission) : { and_rules: { rules } };
}

/** Istio's wildcard string (`v`, `v*`, `*v`, `*`) as a StringMatcher; `base` goes before exact and prefix values. */
function wildcard(value: string, base: string): StringMatcher {
  if (value === '*') return base === '' ? { safe_regex: { regex: '.+' } } : { prefix: base };
  if (value.endsWith('*')) return { prefix: base + value.slice(0, -1) };
  if (value.startsWith('*')) return { suffix: value.slice(1) };
  return { exact: base + value };
}
