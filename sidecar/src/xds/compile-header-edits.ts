// Compiles the header edits of a route, virtual host and route configuration into one list per
// direction, most specific first.
import type { HeaderValueOption__Output } from '../../../proto/gen/envoy/config/core/v3/HeaderValueOption.js';
import type { HeaderAddition, HeaderEdits } from '../http/header-edits.js';
import { configError, type ResourceRef } from './compile-errors.js';

/** Header edits of one level (route, virtual host or route configuration). */
export interface HeaderEditLevel {
  request_headers_to_add?: HeaderValueOption__Output[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption__Output[];
  response_headers_to_remove?: string[];
}

const APPEND_ACTIONS: ReadonlySet<string> = new Set([
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
]);
// Envoy expands %COMMAND% in header values; this sidecar does not, and says so rather than send
// the command text.
const FORMATTER = /%[A-Z][A-Z0-9_]*(?:\([^)]*\))?(?::\d+)?%/;

/** The levels' edits, most specific first, as one list per direction; undefined when there are none. */
export function compileHeaderEdits(
  levels: ReadonlyArray<readonly [resource: ResourceRef, path: string, level: HeaderEditLevel]>,
  direction: 'request' | 'response',
): HeaderEdits | undefined {
  const remove: string[] = [];
  const add: HeaderAddition[] = [];
  for (const [resource, path, level] of levels) {
    const toRemove = direction === 'request' ? level.request_headers_to_remove : level.response_headers_to_remove;
    const toAdd = direction === 'request' ? level.request_headers_to_add : level.response_headers_to_add;
    for (const name of toRemove ?? []) remove.push(name.toLowerCase());
    (toAdd ?? []).forEach((option, index) => {
      const optionPath = `${path === '' ? '' : `${path}.`}${direction}_headers_to_add[${index}]`;
      const name = (option.header?.key ?? '').toLowerCase();
      const value = option.header?.value ?? '';
      if (name === '' || name.startsWith(':') || name === 'host')
        throw configError(resource, `${optionPath}.header.key`, `"${name}" cannot be edited here`);
      if (FORMATTER.test(value))
        throw configError(
          resource,
          `${optionPath}.header.value`,
          `"${value}": %COMMAND% substitution is not supported by this sidecar yet`,
        );
      let action = option.append_action ?? 'APPEND_IF_EXISTS_OR_ADD';
      // The deprecated append flag, when set, decides between appending and overwriting.
      if (option.append !== undefined)
        action = option.append.value === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';
      if (!APPEND_ACTIONS.has(action))
        throw configError(resource, `${optionPath}.append_action`, `${action} is not known`);
      add.push({ name, value: value.replaceAll('%%', '%'), action });
    });
  }
  return remove.length === 0 && add.length === 0 ? undefined : { remove, add };
}
