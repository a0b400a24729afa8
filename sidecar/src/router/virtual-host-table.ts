// Finds the virtual host for a request's host, Envoy's order: exact domain, then the longest
// suffix wildcard (`*.example.com`), then the longest prefix wildcard (`example.*`), then `*`.
// Built once per route table; a lookup is a Map get plus, at worst, a scan of the wildcards.

export interface DomainEntry<T> {
  domains: readonly string[];
  value: T;
}

export class VirtualHostTable<T> {
  #exact = new Map<string, T>();
  #suffixes: Array<[string, T]> = [];
  #prefixes: Array<[string, T]> = [];
  #any: T | undefined;

  /** Throws when a domain appears twice or a wildcard is not at one end (Envoy rejects both). */
  constructor(entries: ReadonlyArray<DomainEntry<T>>, describe: (entryIndex: number, domainIndex: number) => string) {
    const seen = new Set<string>();
    entries.forEach(({ domains, value }, entryIndex) => {
      domains.forEach((raw, domainIndex) => {
        const domain = raw.toLowerCase();
        const where = describe(entryIndex, domainIndex);
        if (seen.has(domain)) throw new Error(`${where}: domain "${raw}" appears in more than one virtual host`);
        seen.add(domain);
        if (domain === '*') this.#any = value;
        else if (domain.startsWith('*') && !domain.slice(1).includes('*')) this.#suffixes.push([domain.slice(1), value]);
        else if (domain.endsWith('*') && !domain.slice(0, -1).includes('*')) this.#prefixes.push([domain.slice(0, -1), value]);
        else if (domain.includes('*')) throw new Error(`${where}: "${raw}": a wildcard may stand only at the start or the end`);
        else if (domain === '') throw new Error(`${where}: empty domain`);
        else this.#exact.set(domain, value);
      });
    });
    this.#suffixes.sort((a, b) => b[0].length - a[0].length);
    this.#prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** `host` must be lowercase, without port. */
  find(host: string): T | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const [suffix, value] of this.#suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return value;
    for (const [prefix, value] of this.#prefixes) if (host.length > prefix.length && host.startsWith(prefix)) return value;
    return this.#any;
  }
}
