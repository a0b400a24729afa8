// Compiles Envoy's RBAC config (envoy.config.rbac.v3.RBAC) into an RbacEngine: every permission
// and principal becomes a matcher once, so a request only evaluates them. Rules this sidecar cannot
// evaluate (metadata, IP ranges, CEL conditions…) are refused by name, never skipped: a skipped
// rule would allow or deny what the policy did not say.
import type { Permission__Output } from '../../../proto/gen/envoy/config/rbac/v3/Permission.js';
import type { Principal__Output } from '../../../proto/gen/envoy/config/rbac/v3/Principal.js';
import type { RBAC__Output } from '../../../proto/gen/envoy/config/rbac/v3/RBAC.js';
import {
  headerValue,
  matchesString,
  matchesValue,
  type StringMatch,
  type ValueMatcher,
} from '../http/header-matcher.js';
import { everyMatches, RbacEngine, someMatches, type RbacMatcher, type RbacRequest } from '../filters/rbac.js';
import { configError, type ResourceRef } from './compile-errors.js';
import { compileHeaderMatcher, compileStringMatch } from './compile-matchers.js';

const ALWAYS: RbacMatcher = () => true;

export function compileRbac(resource: ResourceRef, path: string, rules: RBAC__Output): RbacEngine {
  const action = rules.action ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY')
    throw configError(resource, `${path}.action`, `${action} is not supported by this sidecar yet (ALLOW, DENY)`);
  if (rules.audit_logging_options)
    throw configError(resource, `${path}.audit_logging_options`, 'not supported by this sidecar yet');
  const policies = Object.entries(rules.policies ?? {}).map(([name, policy]) => {
    const at = `${path}.policies["${name}"]`;
    if (policy.condition || policy.checked_condition)
      throw configError(resource, `${at}.condition`, 'CEL conditions are not supported by this sidecar yet');
    return {
      name,
      permissions: (policy.permissions ?? []).map((permission, index) =>
        compilePermission(resource, `${at}.permissions[${index}]`, permission),
      ),
      principals: (policy.principals ?? []).map((principal, index) =>
        compilePrincipal(resource, `${at}.principals[${index}]`, principal),
      ),
    };
  });
  return new RbacEngine(action, policies);
}

function compilePermission(resource: ResourceRef, path: string, permission: Permission__Output): RbacMatcher {
  const list = (rules: Permission__Output[] | undefined, at: string) =>
    (rules ?? []).map((rule, index) => compilePermission(resource, `${at}[${index}]`, rule));
  switch (permission.rule) {
    case 'any':
      return ALWAYS;
    case 'and_rules': {
      const rules = list(permission.and_rules?.rules, `${path}.and_rules.rules`);
      return (request) => everyMatches(rules, request);
    }
    case 'or_rules': {
      const rules = list(permission.or_rules?.rules, `${path}.or_rules.rules`);
      return (request) => someMatches(rules, request);
    }
    case 'not_rule': {
      const inner = compilePermission(resource, `${path}.not_rule`, permission.not_rule ?? {});
      return (request) => !inner(request);
    }
    case 'header':
      return headerMatcher(compileHeaderMatcher(resource, `${path}.header`, permission.header ?? {}));
    case 'url_path':
      return pathMatcher(resource, `${path}.url_path`, permission.url_path?.path);
    case 'destination_port': {
      const port = permission.destination_port;
      return (request) => request.port === port;
    }
    case 'destination_port_range': {
      const { start = 0, end = 0 } = permission.destination_port_range ?? {};
      return (request) => request.port !== undefined && request.port >= start && request.port < end;
    }
    default:
      throw configError(resource, path, `rule ${permission.rule ?? 'none'} is not supported by this sidecar yet`);
  }
}

function compilePrincipal(resource: ResourceRef, path: string, principal: Principal__Output): RbacMatcher {
  const list = (ids: Principal__Output[] | undefined, at: string) =>
    (ids ?? []).map((id, index) => compilePrincipal(resource, `${at}[${index}]`, id));
  switch (principal.identifier) {
    case 'any':
      return ALWAYS;
    case 'and_ids': {
      const ids = list(principal.and_ids?.ids, `${path}.and_ids.ids`);
      return (request) => everyMatches(ids, request);
    }
    case 'or_ids': {
      const ids = list(principal.or_ids?.ids, `${path}.or_ids.ids`);
      return (request) => someMatches(ids, request);
    }
    case 'not_id': {
      const inner = compilePrincipal(resource, `${path}.not_id`, principal.not_id ?? {});
      return (request) => !inner(request);
    }
    case 'authenticated': {
      const name = principal.authenticated?.principal_name;
      const match = name && compileStringMatch(resource, `${path}.authenticated.principal_name`, name);
      return (request) =>
        request.principal !== undefined && (match === undefined || matchesString(match, request.principal));
    }
    case 'header':
      return headerMatcher(compileHeaderMatcher(resource, `${path}.header`, principal.header ?? {}));
    case 'url_path':
      return pathMatcher(resource, `${path}.url_path`, principal.url_path?.path);
    default:
      throw configError(
        resource,
        path,
        `identifier ${principal.identifier ?? 'none'} is not supported by this sidecar yet`,
      );
  }
}

function headerMatcher(matcher: ValueMatcher): RbacMatcher {
  return (request) => {
    const value = matcher.name === ':path' ? request.path : headerValue(request.headers, request.method, matcher.name);
    return matchesValue(matcher, value);
  };
}

function pathMatcher(
  resource: ResourceRef,
  path: string,
  matcher: Parameters<typeof compileStringMatch>[2] | undefined,
): RbacMatcher {
  if (matcher === undefined) throw configError(resource, `${path}.path`, 'is required');
  const match: StringMatch = compileStringMatch(resource, `${path}.path`, matcher);
  return (request: RbacRequest) => matchesString(match, request.path);
}
