// A problem in user config, located well enough to fix: file, line, document, field path, reason.

export interface ConfigError {
  file?: string;
  line?: number;
  /** The document as users name it: `Route "reviews"` (namespace shown when not default). */
  document?: string;
  /** The field at fault, like `spec.rules[0].destinations`. */
  path?: string;
  message: string;
}

/** `routes.yaml:14: Route "reviews": spec.rules[0].destinations: weights sum to 90, must be 100` */
export function formatConfigError(error: ConfigError): string {
  const where =
    error.file !== undefined
      ? `${error.file}${error.line !== undefined ? `:${error.line}` : ''}: `
      : error.line !== undefined
        ? `line ${error.line}: `
        : '';
  const document = error.document !== undefined ? `${error.document}: ` : '';
  const path = error.path !== undefined && error.path !== '' ? `${error.path}: ` : '';
  return `${where}${document}${path}${error.message}`;
}

/** `['spec', 'rules', 0, 'match']` → `spec.rules[0].match`; keys that are not identifiers are quoted. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export function documentLabel(kind: string, namespace: string, name: string): string {
  return `${kind} "${namespace === 'default' ? name : `${namespace}/${name}`}"`;
}
