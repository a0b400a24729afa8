// Compiles Envoy's string, header and query parameter matchers and RE2 regexes into the router's
// matchers. A regex that is not RE2 syntax (lookaround, backreferences) is refused, as Envoy does.
import type { HeaderMatcher__Output } from '../../../proto/gen/envoy/config/route/v3/HeaderMatcher.js';
import type { QueryParameterMatcher__Output } from '../../../proto/gen/envoy/config/route/v3/QueryParameterMatcher.js';
import type { StringMatcher__Output } from '../../../proto/gen/envoy/type/matcher/v3/StringMatcher.js';
import type { StringMatch, ValueMatcher } from '../http/header-matcher.js';
import { configError, type ResourceRef } from './compile-errors.js';

// RE2 has neither lookaround nor backreferences: Envoy rejects them, and so do we.
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

/** A regex that must match the whole subject, as Envoy's safe_regex does. */
export function compileRegex(resource: ResourceRef, path: string, pattern: string): RegExp {
  if (NOT_RE2.test(pattern))
    throw configError(resource, path, `invalid regex "${pattern}": lookaround and backreferences are not RE2 syntax`);
  // RE2's named groups are (?P<name>…), JavaScript's (?<name>…).
  const source = pattern.replaceAll('(?P<', '(?<');
  try {
    new RegExp(source);
  } catch (error) {
    throw configError(resource, path, `invalid regex "${pattern}": ${(error as Error).message}`);
  }
  return new RegExp(`^(?:${source})$`);
}

export function compileStringMatch(resource: ResourceRef, path: string, matcher: StringMatcher__Output): StringMatch {
  const ignoreCase = matcher.ignore_case === true;
  const fold = (value: string | undefined) => (ignoreCase ? (value ?? '').toLowerCase() : (value ?? ''));
  switch (matcher.match_pattern) {
    case 'exact':
      return { kind: 'exact', value: fold(matcher.exact), ignoreCase };
    case 'prefix':
      return { kind: 'prefix', value: fold(matcher.prefix), ignoreCase };
    case 'suffix':
      return { kind: 'suffix', value: fold(matcher.suffix), ignoreCase };
    case 'contains':
      return { kind: 'contains', value: fold(matcher.contains), ignoreCase };
    case 'safe_regex':
      if (ignoreCase) throw configError(resource, `${path}.ignore_case`, 'cannot be used with safe_regex');
      return {
        kind: 'regex',
        value: compileRegex(resource, `${path}.safe_regex.regex`, matcher.safe_regex?.regex ?? ''),
      };
    default:
      throw configError(
        resource,
        path,
        `match_pattern ${matcher.match_pattern ?? 'none'} is not supported (exact, prefix, suffix, contains, safe_regex)`,
      );
  }
}

export function compileHeaderMatcher(
  resource: ResourceRef,
  path: string,
  matcher: HeaderMatcher__Output,
): ValueMatcher {
  const name = (matcher.name ?? '').toLowerCase();
  if (name === '') throw configError(resource, `${path}.name`, 'is required');
  if (matcher.treat_missing_header_as_empty === true)
    throw configError(resource, `${path}.treat_missing_header_as_empty`, 'is not supported by this sidecar yet');
  const invert = matcher.invert_match === true;
  switch (matcher.header_match_specifier) {
    case 'string_match':
      return { name, match: compileStringMatch(resource, `${path}.string_match`, matcher.string_match ?? {}), invert };
    case 'present_match':
      // present_match: false matches a request without the header.
      return { name, match: undefined, invert: matcher.present_match === false ? !invert : invert };
    case 'exact_match':
      return { name, match: { kind: 'exact', value: matcher.exact_match ?? '', ignoreCase: false }, invert };
    case 'prefix_match':
      return { name, match: { kind: 'prefix', value: matcher.prefix_match ?? '', ignoreCase: false }, invert };
    case 'suffix_match':
      return { name, match: { kind: 'suffix', value: matcher.suffix_match ?? '', ignoreCase: false }, invert };
    case 'contains_match':
      return { name, match: { kind: 'contains', value: matcher.contains_match ?? '', ignoreCase: false }, invert };
    case 'safe_regex_match':
      return {
        name,
        match: {
          kind: 'regex',
          value: compileRegex(resource, `${path}.safe_regex_match.regex`, matcher.safe_regex_match?.regex ?? ''),
        },
        invert,
      };
    case undefined:
      // No specifier: the header must be present (Envoy's legacy meaning).
      return { name, match: undefined, invert };
    default:
      throw configError(resource, path, `${matcher.header_match_specifier} is not supported by this sidecar yet`);
  }
}

export function compileQueryMatcher(
  resource: ResourceRef,
  path: string,
  matcher: QueryParameterMatcher__Output,
): ValueMatcher {
  const name = matcher.name ?? '';
  if (name === '') throw configError(resource, `${path}.name`, 'is required');
  if (matcher.query_parameter_match_specifier === 'string_match') {
    return {
      name,
      match: compileStringMatch(resource, `${path}.string_match`, matcher.string_match ?? {}),
      invert: false,
    };
  }
  return { name, match: undefined, invert: false };
}
