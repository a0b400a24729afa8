// HOST:PORT addresses as the CLI takes them and the servers print them (`127.0.0.1:15010`, `[::1]:15010`, `:15010`).

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string, option: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${option}: "${value}" is not HOST:PORT (e.g. 127.0.0.1:15010), port 0–65535`);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
