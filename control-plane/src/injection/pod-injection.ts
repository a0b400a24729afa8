// Injects the sidecar into one pod: pure, a pod in and a new pod (or the reason it is left alone) out.
// The webhook turns the difference into a JSONPatch; `pilotfish inject` applies it to workload templates.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { annotations, parseInjectionAnnotations, type PodInjectionOptions } from './injection-annotations.js';
import { initContainerName, proxyContainerName, type InjectionSettings } from './injection-settings.js';
import { podSchemaError } from './pod-validation.js';
import { rewriteProbes, type AppProbe } from './probe-rewrite.js';
import { initContainer, proxyContainer } from './sidecar-containers.js';

export type InjectionResult =
  | { isInjected: true; pod: IPod }
  /** `isProblem`: the pod asked for injection (or did not refuse it) but cannot have it as written. */
  | { isInjected: false; reason: string; isProblem: boolean };

// In classic mode nothing orders containers but the postStart hook: kubelet starts the next container
// only when it returns, so the app starts once the sidecar answers ready (Istio's holdApplicationUntilProxyStarts).
function waitReadyCommand(statusPort: number): string[] {
  const script = `const end=Date.now()+120e3;const retry=(f)=>Date.now()>end?process.exit(1):setTimeout(f,250);(function poll(){require('http').get('http://127.0.0.1:${statusPort}/healthz/ready',(r)=>{r.resume();r.statusCode===200?process.exit(0):retry(poll)}).on('error',()=>retry(poll))})()`;
  return ['node', '-e', script];
}

export function injectPod(pod: IPod, settings: InjectionSettings): InjectionResult {
  const spec = pod.spec;
  if (spec === undefined) return skip('the pod has no spec', true);
  const schemaError = podSchemaError(pod);
  if (schemaError !== undefined) return skip(`the pod fails the Kubernetes schema: ${schemaError}`, true);
  const podAnnotations = pod.metadata?.annotations ?? {};
  const containers = [...spec.containers, ...(spec.initContainers ?? [])];
  if (podAnnotations[annotations.status] !== undefined || containers.some((c) => c.name === proxyContainerName))
    return skip('already injected', false);
  if (spec.hostNetwork === true) return skip('hostNetwork pods share the node network: not intercepted', false);
  let options: PodInjectionOptions;
  try {
    options = parseInjectionAnnotations(podAnnotations);
  } catch (error) {
    return skip((error as Error).message, true);
  }
  if (options.isOptedOut) return skip(`opted out by annotation ${annotations.inject}: "false"`, false);
  const service = serviceName(pod);
  if (service === undefined)
    return skip('no service name: give the pod label app.kubernetes.io/name or app, or a name', true);

  const injected = structuredClone(pod) as IPod & { spec: NonNullable<IPod['spec']> };
  const probes: Record<string, AppProbe> = {};
  try {
    for (const container of injected.spec.containers)
      Object.assign(probes, rewriteProbes(container, settings.statusPort));
  } catch (error) {
    return skip((error as Error).message, true);
  }
  const appPort = firstPort(injected.spec.containers);
  const proxy = proxyContainer(settings, options, {
    service,
    // A pod that serves nothing (a Job) still gets its outbound side; its inbound then has no app port.
    appPort: options.appPort ?? appPort?.containerPort ?? 8080,
    appProtocol: appProtocol(appPort),
    version: pod.metadata?.labels?.version,
    probes,
  });
  const init = initContainer(settings, options);
  const userInit = injected.spec.initContainers ?? [];
  if (options.mode === 'native') {
    // The sidecar starts before the user's init containers, so their traffic is meshed too.
    injected.spec.initContainers = [init, proxy, ...userInit];
  } else {
    // Classic: the user's init containers run before any sidecar exists, so interception starts after them.
    injected.spec.initContainers = [...userInit, init];
    proxy.lifecycle = { postStart: { exec: { command: waitReadyCommand(settings.statusPort) } } };
    injected.spec.containers = [proxy, ...injected.spec.containers];
  }
  injected.metadata = {
    ...injected.metadata,
    annotations: {
      ...podAnnotations,
      [annotations.status]: JSON.stringify({
        mode: options.mode,
        initContainers: options.mode === 'native' ? [initContainerName, proxyContainerName] : [initContainerName],
        containers: options.mode === 'native' ? [] : [proxyContainerName],
      }),
    },
  };
  return { isInjected: true, pod: injected };
}

function skip(reason: string, isProblem: boolean): InjectionResult {
  return { isInjected: false, reason, isProblem };
}

function serviceName(pod: IPod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  const generated = pod.metadata?.generateName?.replace(/-+$/, '');
  return labels['app.kubernetes.io/name'] ?? labels.app ?? (generated || undefined) ?? pod.metadata?.name;
}

function firstPort(containers: IContainer[]) {
  return containers.flatMap((container) => container.ports ?? []).find((port) => (port.protocol ?? 'TCP') === 'TCP');
}

// Istio's convention: appProtocol, else the port name's prefix (grpc-web, http2-api, tcp-db).
function appProtocol(port: { name?: string; appProtocol?: string } | undefined): string | undefined {
  const declared = (port?.appProtocol ?? port?.name?.split('-')[0])?.toLowerCase();
  return declared === 'grpc' || declared === 'http2' || declared === 'tcp' ? declared : undefined;
}
