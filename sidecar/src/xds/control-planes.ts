// Which control-plane replica a proxy talks to. `--control-plane` lists replicas (`a:15010,b:15010`;
// a name that resolves to several addresses counts as each of them). The ADS stream, the registration
// and the lease keep-alives all follow the one chosen here: a proxy starts on a replica picked at
// random (a fleet spreads over the replicas), moves to the next one in order when its stream fails,
// and picks again at random when its stream has aged (proxies rebalance after a replica returns).
import type { ChannelOptions } from '@grpc/grpc-js';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { formatHostPort, parseHostPort, type HostPort } from '../../../shared/host-port.js';
import { serverNameFor } from '../../../shared/server-name.js';

/** Every address a host name resolves to. */
export type LookupAll = (host: string) => Promise<string[]>;

export interface ControlPlanesOptions {
  /** The replicas as given: IP addresses or names, each with its port. */
  entries: readonly HostPort[];
  lookup?: LookupAll;
  /** Returns a number in [0, 1): Math.random, or a fixed sequence in tests. */
  random?: () => number;
  logger: Logger;
}

/** `next`: the one after the current replica (after a failure); `random`: any, picked afresh. */
export type PickMode = 'next' | 'random';

const lookupAll: LookupAll = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address);

/** Parses `--control-plane`: one or more comma-separated HOST:PORT, every one with a host and a port. */
export function parseControlPlanes(value: string, option: string): HostPort[] {
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.map((entry) => {
    const parsed = parseHostPort(entry, option);
    if (entry.startsWith(':') || parsed.port === 0)
      throw new Error(`${option}: "${entry}" in "${value}" is not HOST:PORT with a host and a port (e.g. cp-0:15010)`);
    return parsed;
  });
}

export class ControlPlanes {
  readonly #lookup: LookupAll;
  readonly #random: () => number;
  #addresses: string[] = [];
  /** The name each resolved address came from (none for addresses given as such). */
  #names = new Map<string, string>();
  #index = -1;
  #current: string | undefined;
  readonly #listeners = new Set<(address: string) => void>();

  constructor(private readonly options: ControlPlanesOptions) {
    if (options.entries.length === 0) throw new Error('no control plane address given');
    this.#lookup = options.lookup ?? lookupAll;
    this.#random = options.random ?? Math.random;
  }

  /** The replica in use (`host:port`); undefined before the first pick. */
  get current(): string | undefined {
    return this.#current;
  }

  /** The replica in use, once the first one is picked. */
  chosen(): Promise<string> {
    const current = this.#current;
    if (current !== undefined) return Promise.resolve(current);
    return new Promise((resolve) => {
      const unsubscribe = this.onChange((address) => {
        unsubscribe();
        resolve(address);
      });
    });
  }

  /** The replicas as given, for status pages. */
  get entries(): string[] {
    return this.options.entries.map(formatHostPort);
  }

  /**
   * Picks the replica to use (the first pick is at random whatever the mode), resolving the names
   * again at the start and whenever the list wraps around or a random pick is made. Throws when no
   * entry resolves to an address.
   */
  async pick(mode: PickMode): Promise<string> {
    const random = mode === 'random' || this.#current === undefined;
    if (random || this.#index + 1 >= this.#addresses.length) this.#addresses = await this.#resolve();
    const count = this.#addresses.length;
    this.#index = random ? Math.floor(this.#random() * count) % count : (this.#index + 1) % count;
    const address = this.#addresses[this.#index] as string;
    if (address !== this.#current) {
      this.#current = address;
      for (const listener of this.#listeners) listener(address);
    }
    return address;
  }

  /**
   * Channel options for a replica's address: one resolved from a name is still that name to TLS
   * (the name its certificate is checked against) and in the :authority of calls; one given as an
   * IP address is asked for by its reverse-DNS name (serverNameFor: never an IP as TLS server name).
   */
  channelOptionsFor(address: string): ChannelOptions {
    const name = this.#names.get(address);
    if (name === undefined) {
      const serverName = serverNameFor(parseHostPort(address, 'control plane address').host);
      return serverName === undefined ? {} : { 'grpc.ssl_target_name_override': serverName };
    }
    return {
      'grpc.ssl_target_name_override': name,
      'grpc.default_authority': formatHostPort({
        host: name,
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
      }),
    };
  }

  /** Calls `listener` with each newly picked replica; returns the unsubscribe. */
  onChange(listener: (address: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #resolve(): Promise<string[]> {
    const resolved = await Promise.all(
      this.options.entries.map(async ({ host, port }) => {
        if (isIP(host) !== 0) return [formatHostPort({ host, port })];
        try {
          const addresses = (await this.#lookup(host)).map((address) => formatHostPort({ host: address, port }));
          for (const address of addresses) this.#names.set(address, host);
          return addresses;
        } catch (error) {
          this.options.logger.warn({ host, reason: String(error) }, 'control plane name does not resolve; skipping it');
          return [];
        }
      }),
    );
    const addresses = [...new Set(resolved.flat())];
    if (addresses.length === 0) throw new Error(`no control plane address resolves (${this.entries.join(', ')})`);
    return addresses;
  }
}
