// Header additions and removals of a route (request_headers_to_add/remove,
// response_headers_to_add/remove), merged across route, virtual host and route configuration
// when the config is compiled, and applied per request without building anything new.

/** Response headers as undici hands them over and Node's writeHead takes them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Envoy's HeaderValueOption.append_action. */
export type AppendAction =
  'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

export interface HeaderAddition {
  /** Lowercase. */
  name: string;
  value: string;
  action: AppendAction;
}

export interface HeaderEdits {
  /** Lowercase names; removed before the additions are made. */
  remove: readonly string[];
  /** In order of application: the route's, then the virtual host's, then the route configuration's. */
  add: readonly HeaderAddition[];
}

/** Edits a flat [name, value, …] request header list in place. */
export function editRequestHeaders(edits: HeaderEdits, headers: string[]): void {
  for (const name of edits.remove) removeFlat(headers, name);
  for (const { name, value, action } of edits.add) {
    const exists = indexOfFlat(headers, name) !== -1;
    if (action === 'ADD_IF_ABSENT' && exists) continue;
    if (action === 'OVERWRITE_IF_EXISTS' && !exists) continue;
    if (action === 'OVERWRITE_IF_EXISTS_OR_ADD' || action === 'OVERWRITE_IF_EXISTS') removeFlat(headers, name);
    headers.push(name, value);
  }
}

/** Edits undici's parsed response headers in place. */
export function editResponseHeaders(edits: HeaderEdits, headers: ResponseHeaders): void {
  for (const name of edits.remove) delete headers[name];
  for (const { name, value, action } of edits.add) {
    const current = headers[name];
    if (current === undefined) {
      if (action !== 'OVERWRITE_IF_EXISTS') headers[name] = value;
    } else if (action === 'APPEND_IF_EXISTS_OR_ADD') {
      headers[name] = Array.isArray(current) ? [...current, value] : [current, value];
    } else if (action !== 'ADD_IF_ABSENT') {
      headers[name] = value;
    }
  }
}

function indexOfFlat(headers: readonly string[], name: string): number {
  for (let i = 0; i < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === name) return i;
  return -1;
}

function removeFlat(headers: string[], name: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2)
    if ((headers[i] as string).toLowerCase() === name) headers.splice(i, 2);
}
