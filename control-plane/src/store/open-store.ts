// Opens the store `--store` names: `memory` (the default) or `etcd://host:port[,host:port…]`.
import type { Logger } from 'pino';
import { parseHostPort, formatHostPort } from '../../../shared/host-port.js';
import type { RegistryOptions } from '../registry/registry-store.js';
import type { EtcdConnection } from './etcd-client.js';
import { createMemoryStore } from './memory-store.js';
import type { Store } from './store.js';

export type StoreLocation = { kind: 'memory' } | ({ kind: 'etcd' } & EtcdConnection);

export interface OpenStoreOptions {
  registry: RegistryOptions;
  historyLimit: number;
  logger: Logger;
}

/** Parses `--store`; TLS files apply to etcd only. */
export function parseStoreLocation(value: string, tls: Omit<EtcdConnection, 'endpoints'> = {}): StoreLocation {
  const hasTls = Object.values(tls).some((file) => file !== undefined);
  if (value === 'memory') {
    if (hasTls) throw new Error('--etcd-ca, --etcd-cert and --etcd-key need --store etcd://…');
    return { kind: 'memory' };
  }
  if (!value.startsWith('etcd://'))
    throw new Error(`--store: "${value}" is not memory or etcd://host:port[,host:port…]`);
  if (tls.caFile === undefined && (tls.certFile !== undefined || tls.keyFile !== undefined))
    throw new Error('--etcd-cert and --etcd-key need --etcd-ca (the CA that signed the etcd members)');
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    throw new Error('--etcd-cert and --etcd-key go together');
  const endpoints = value
    .slice('etcd://'.length)
    .split(',')
    .map((endpoint) => formatHostPort(parseHostPort(endpoint.trim(), '--store')));
  return { kind: 'etcd', endpoints, ...tls };
}

export async function openStore(location: StoreLocation, options: OpenStoreOptions): Promise<Store> {
  if (location.kind === 'memory') return createMemoryStore(options.registry);
  // Loaded only when asked for: the etcd client is a module every memory start would pay for.
  const { openEtcdStore } = await import('./etcd-store.js');
  return openEtcdStore({ ...location, ...options });
}
