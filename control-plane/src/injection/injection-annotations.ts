// The pod annotations that steer injection (Istio's names under our domains), parsed once; a bad
// value is an error naming the annotation, and the pod is then left as it is.
import { parseCidrs } from './cidr-list.js';

export const annotations = {
  inject: 'sidecar.pilotfish.dev/inject',
  mode: 'sidecar.pilotfish.dev/mode',
  status: 'sidecar.pilotfish.dev/status',
  appPort: 'sidecar.pilotfish.dev/appPort',
  proxyCPU: 'sidecar.pilotfish.dev/proxyCPU',
  proxyMemory: 'sidecar.pilotfish.dev/proxyMemory',
  proxyCPULimit: 'sidecar.pilotfish.dev/proxyCPULimit',
  proxyMemoryLimit: 'sidecar.pilotfish.dev/proxyMemoryLimit',
  excludeInboundPorts: 'traffic.pilotfish.dev/excludeInboundPorts',
  excludeOutboundPorts: 'traffic.pilotfish.dev/excludeOutboundPorts',
  excludeOutboundIPRanges: 'traffic.pilotfish.dev/excludeOutboundIPRanges',
  includeOutboundIPRanges: 'traffic.pilotfish.dev/includeOutboundIPRanges',
} as const;

export interface PodInjectionOptions {
  isOptedOut: boolean;
  /** Native sidecar (an initContainer with restartPolicy Always, Kubernetes ≥ 1.29) or a classic container. */
  mode: 'native' | 'classic';
  appPort?: number;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundIPRanges: string[];
  includeOutboundIPRanges: string;
}

const defaultRequests = { cpu: '100m', memory: '128Mi' };
// Kubernetes quantities: 100m, 0.5, 128Mi, 1G, 1e3.
const quantity = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export function parseInjectionAnnotations(values: Record<string, string> = {}): PodInjectionOptions {
  const get = (name: string) => values[name]?.trim();
  const mode = get(annotations.mode) ?? 'native';
  if (mode !== 'native' && mode !== 'classic') throw annotationError(annotations.mode, mode, 'native or classic');
  const appPort = get(annotations.appPort);
  const resource = (name: string) => {
    const value = get(name);
    if (value !== undefined && !quantity.test(value))
      throw annotationError(name, value, 'a Kubernetes quantity (e.g. 100m, 128Mi)');
    return value;
  };
  const requests = { cpu: resource(annotations.proxyCPU), memory: resource(annotations.proxyMemory) };
  const limits = { cpu: resource(annotations.proxyCPULimit), memory: resource(annotations.proxyMemoryLimit) };
  const include = get(annotations.includeOutboundIPRanges) ?? '*';
  return {
    isOptedOut: get(annotations.inject)?.toLowerCase() === 'false',
    mode,
    appPort: appPort === undefined ? undefined : parsePorts(annotations.appPort, appPort)[0],
    resources: {
      requests: { ...defaultRequests, ...definedOnly(requests) },
      limits: definedOnly(limits),
    },
    excludeInboundPorts: parsePorts(annotations.excludeInboundPorts, get(annotations.excludeInboundPorts)),
    excludeOutboundPorts: parsePorts(annotations.excludeOutboundPorts, get(annotations.excludeOutboundPorts)),
    excludeOutboundIPRanges: parseCidrs(
      get(annotations.excludeOutboundIPRanges) ?? '',
      `annotation ${annotations.excludeOutboundIPRanges}`,
    ),
    includeOutboundIPRanges:
      include === '*' ? '*' : parseCidrs(include, `annotation ${annotations.includeOutboundIPRanges}`).join(','),
  };
}

function annotationError(name: string, value: string, expected: string): Error {
  return new Error(`annotation ${name}: "${value}" is not ${expected}`);
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function parsePorts(name: string, value: string | undefined): number[] {
  return list(value).map((entry) => {
    const port = Number(entry);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw annotationError(name, value ?? '', 'a comma-separated list of ports (1–65535)');
    return port;
  });
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
