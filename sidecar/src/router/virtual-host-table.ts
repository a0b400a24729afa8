// Finds the virtual host for a request's host, in Envoy's order: exact domain, then the longest
// suffix wildcard (`*.example.com`), then the longest prefix wildcard (`example.*`), then `*`.
// Built once per route table; a lookup is a Map get plus, at worst, a scan of the wildcards.

export type DomainPattern =
  | { kind: 'exact'; value: string }
  | { kind: 'suffix'; value: string }
  | { kind: 'prefix'; value: string }
  | { kind: 'any' };

/** A virtual host domain as a pattern (lowercased); undefined when Envoy would reject it. */
export function parseDomain(domain: string): DomainPattern | undefined {
  const lower = domain.toLowerCase();
  if (lower === '*') return { kind: 'any' };
  const wildcards = lower.split('*').length - 1;
  if (lower === '' || wildcards > 1) return undefined;
  if (wildcards === 0) return { kind: 'exact', value: lower };
  if (lower.startsWith('*')) return { kind: 'suffix', value: lower.slice(1) };
  if (lower.endsWith('*')) return { kind: 'prefix', value: lower.slice(0, -1) };
  return undefined;
}

export class VirtualHostTable<T> {
  readonly #exact = new Map<string, T>();
  readonly #suffixes: Array<[string, T]> = [];
  readonly #prefixes: Array<[string, T]> = [];
  #any: T | undefined;

  /** Later entries for the same pattern do not replace earlier ones (compile rejects duplicates). */
  constructor(entries: Iterable<readonly [DomainPattern, T]>) {
    for (const [pattern, value] of entries) {
      if (pattern.kind === 'any') this.#any ??= value;
      else if (pattern.kind === 'suffix') this.#suffixes.push([pattern.value, value]);
      else if (pattern.kind === 'prefix') this.#prefixes.push([pattern.value, value]);
      else if (!this.#exact.has(pattern.value)) this.#exact.set(pattern.value, value);
    }
    // Longest wildcard first: Envoy prefers the most specific one.
    this.#suffixes.sort((a, b) => b[0].length - a[0].length);
    this.#prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** `host` must be lowercase. A wildcard stands for at least one character, as in Envoy. */
  find(host: string): T | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const [suffix, value] of this.#suffixes)
      if (host.length > suffix.length && host.endsWith(suffix)) return value;
    for (const [prefix, value] of this.#prefixes)
      if (host.length > prefix.length && host.startsWith(prefix)) return value;
    return this.#any;
  }
}
