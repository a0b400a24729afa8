// Rewrites an app container's http, tcp and grpc probes to `/app-health/<container>/<livez|readyz|startupz>`
// on the sidecar's status port: once inbound traffic is intercepted (and mTLS), kubelet cannot probe
// the app directly. The original probes go to the sidecar as JSON in PILOTFISH_APP_PROBES; exec probes stay.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';

/** What the sidecar's status listener runs for one rewritten path (ports resolved to numbers). */
export type AppProbe = { timeoutSeconds: number } & (
  | {
      httpGet: {
        path: string;
        port: number;
        scheme: string;
        host?: string;
        httpHeaders?: Array<{ name: string; value: string }>;
      };
    }
  | { tcpSocket: { port: number; host?: string } }
  | { grpc: { port: number; service?: string } }
);

export const appProbesEnv = 'PILOTFISH_APP_PROBES';

const probeKinds = [
  ['livenessProbe', 'livez'],
  ['readinessProbe', 'readyz'],
  ['startupProbe', 'startupz'],
] as const;

export function appHealthPath(container: string, kind: 'livez' | 'readyz' | 'startupz'): string {
  return `/app-health/${container}/${kind}`;
}

/** Rewrites `container`'s probes in place and returns the originals by path; throws naming a port it cannot resolve. */
export function rewriteProbes(container: IContainer, statusPort: number): Record<string, AppProbe> {
  const originals: Record<string, AppProbe> = {};
  for (const [field, kind] of probeKinds) {
    const probe = container[field];
    if (probe === undefined) continue;
    const original = describeProbe(container, probe, field);
    if (original === undefined) continue;
    const path = appHealthPath(container.name, kind);
    originals[path] = original;
    const { httpGet: _http, tcpSocket: _tcp, grpc: _grpc, ...timing } = probe;
    container[field] = { ...timing, httpGet: { path, port: statusPort, scheme: 'HTTP' } };
  }
  return originals;
}

function describeProbe(container: IContainer, probe: IProbe, field: string): AppProbe | undefined {
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  const port = (value: number | string) => resolvePort(container, value, field);
  if (probe.httpGet) {
    const { path = '/', scheme = 'HTTP', host, httpHeaders } = probe.httpGet;
    return {
      timeoutSeconds,
      httpGet: {
        path,
        port: port(probe.httpGet.port),
        scheme,
        ...(host === undefined ? {} : { host }),
        ...(httpHeaders === undefined ? {} : { httpHeaders }),
      },
    };
  }
  if (probe.tcpSocket) {
    const { host } = probe.tcpSocket;
    return { timeoutSeconds, tcpSocket: { port: port(probe.tcpSocket.port), ...(host === undefined ? {} : { host }) } };
  }
  if (probe.grpc) {
    const { service } = probe.grpc;
    return { timeoutSeconds, grpc: { port: port(probe.grpc.port), ...(service === undefined ? {} : { service }) } };
  }
  return undefined;
}

function resolvePort(container: IContainer, value: number | string, field: string): number {
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const named = container.ports?.find((port) => port.name === value);
  if (named === undefined)
    throw new Error(`container ${container.name}: ${field} port "${value}" names no port of the container`);
  return named.containerPort;
}
