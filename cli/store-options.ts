// The store flags `pilotfish control-plane` and `pilotfish ca` share: --store and etcd's TLS files.
import { Option } from 'commander';
import { parseStoreLocation, type StoreLocation } from '../control-plane/src/store/open-store.js';

export interface StoreFlags {
  store: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
}

export function storeOptions(storeHelp: string): Option[] {
  return [
    new Option('--store <memory|etcd://host:port,…>', storeHelp).default('memory'),
    new Option('--etcd-ca <file>', "with --store etcd://…: the CA of the etcd members' certificates (PEM): TLS"),
    new Option('--etcd-cert <file>', 'with --etcd-ca: this client certificate (PEM), for etcd client auth'),
    new Option('--etcd-key <file>', "with --etcd-ca: the client certificate's private key (PEM)"),
  ];
}

export function storeLocation(flags: StoreFlags): StoreLocation {
  return parseStoreLocation(flags.store, { caFile: flags.etcdCa, certFile: flags.etcdCert, keyFile: flags.etcdKey });
}
