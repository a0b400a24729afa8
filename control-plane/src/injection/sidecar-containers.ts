// The two containers injection adds: `pilotfish-init` (init-iptables, with NET_ADMIN and NET_RAW) and
// `pilotfish-proxy` (the sidecar as the proxy uid, with the downward-API env it needs).
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { PodInjectionOptions } from './injection-annotations.js';
import { initContainerName, proxyContainerName, type InjectionSettings } from './injection-settings.js';
import { appProbesEnv, type AppProbe } from './probe-rewrite.js';

/** What one pod's sidecar is told about its app. */
export interface ProxyTarget {
  service: string;
  appPort: number;
  appProtocol?: string;
  version?: string;
  probes: Record<string, AppProbe>;
}

export function initContainer(settings: InjectionSettings, options: PodInjectionOptions): IContainer {
  // kubelet reaches the status port directly; the pod's own exclusions follow.
  const excludeInbound = [settings.statusPort, ...options.excludeInboundPorts];
  const optional = (flag: string, values: Array<string | number>) =>
    values.length === 0 ? [] : [flag, values.join(',')];
  return {
    name: initContainerName,
    image: settings.image,
    args: [
      'init-iptables',
      '--proxy-uid',
      String(settings.proxyUid),
      '--inbound-port',
      String(settings.inboundPort),
      '--outbound-port',
      String(settings.outboundPort),
      '--exclude-inbound-ports',
      excludeInbound.join(','),
      ...optional('--exclude-outbound-ports', options.excludeOutboundPorts),
      ...optional('--exclude-outbound-cidrs', options.excludeOutboundIPRanges),
      '--include-outbound-cidrs',
      options.includeOutboundIPRanges,
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

const fieldEnv = (name: string, fieldPath: string): IEnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export function proxyContainer(
  settings: InjectionSettings,
  options: PodInjectionOptions,
  target: ProxyTarget,
): IContainer {
  const ready = (periodSeconds: number, failureThreshold: number): IProbe => ({
    httpGet: { path: '/healthz/ready', port: settings.statusPort, scheme: 'HTTP' },
    periodSeconds,
    failureThreshold,
  });
  const probes =
    Object.keys(target.probes).length === 0 ? [] : [{ name: appProbesEnv, value: stableJson(target.probes) }];
  return {
    name: proxyContainerName,
    image: settings.image,
    args: [
      'sidecar',
      // init-iptables redirects the pod's traffic: the sidecar routes it by original destination.
      '--intercept',
      '--service',
      target.service,
      '--namespace',
      '$(POD_NAMESPACE)',
      '--instance-id',
      '$(POD_NAME)',
      '--app-port',
      String(target.appPort),
      ...(target.appProtocol === undefined ? [] : ['--app-protocol', target.appProtocol]),
      ...(target.version === undefined ? [] : ['--labels', `version=${target.version}`]),
      '--control-plane',
      settings.controlPlane,
      '--inbound-listen',
      `0.0.0.0:${settings.inboundPort}`,
      '--advertise-address',
      '$(POD_IP)',
      '--outbound-listen',
      `127.0.0.1:${settings.outboundPort}`,
      '--admin-listen',
      `127.0.0.1:${settings.adminPort}`,
      '--status-listen',
      `0.0.0.0:${settings.statusPort}`,
    ],
    env: [
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('POD_IP', 'status.podIP'),
      fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      ...probes,
    ],
    ports: [{ name: 'pf-status', containerPort: settings.statusPort, protocol: 'TCP' }],
    ...(options.mode === 'native' ? { restartPolicy: 'Always' } : {}),
    // A native sidecar's startup probe holds the app containers until the proxy is ready.
    startupProbe: ready(1, 600),
    readinessProbe: ready(5, 3),
    resources: {
      requests: options.resources.requests,
      ...(Object.keys(options.resources.limits).length === 0 ? {} : { limits: options.resources.limits }),
    },
    securityContext: {
      runAsUser: settings.proxyUid,
      runAsGroup: settings.proxyUid,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** JSON with sorted keys: the same pod always gets the same env value. */
function stableJson(probes: Record<string, AppProbe>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(probes).sort(([a], [b]) => a.localeCompare(b))));
}
