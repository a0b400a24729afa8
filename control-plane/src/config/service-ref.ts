// How config names a service: a short name (in the document's namespace), `name.namespace`, or the
// fully qualified `name.namespace.svc.cluster.local`, as Kubernetes DNS resolves them.
import { CLUSTER_DOMAIN, serviceFqdn } from '../../../shared/service-fqdn.js';

export interface ServiceRef {
  name: string;
  namespace: string;
  /** The cluster, endpoint and virtual host name of the service. */
  fqdn: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The service `host` names from a document in `namespace`, or a reason it names none. */
export function parseServiceRef(host: string, namespace: string): ServiceRef | { error: string } {
  let rest = host;
  for (const suffix of [`.${CLUSTER_DOMAIN}`, '.svc']) if (rest.endsWith(suffix)) rest = rest.slice(0, -suffix.length);
  const labels = rest.split('.');
  if (labels.length > 2 || !labels.every((label) => DNS_LABEL.test(label))) {
    return {
      error: `"${host}" is not a service name (name, name.namespace or name.namespace.svc.cluster.local, in lowercase DNS labels)`,
    };
  }
  const name = labels[0] as string;
  const ns = labels[1] ?? namespace;
  return { name, namespace: ns, fqdn: serviceFqdn(name, ns) };
}

/** Like parseServiceRef for names that passed validation. */
export function resolveService(host: string, namespace: string): ServiceRef {
  const ref = parseServiceRef(host, namespace);
  if ('error' in ref) throw new Error(ref.error);
  return ref;
}

/** The cluster of a service, or of one of its subsets: `FQDN~SUBSET`, whose EDS name is the same. */
export function subsetClusterName(fqdn: string, subset?: string): string {
  return subset === undefined ? fqdn : `${fqdn}~${subset}`;
}
