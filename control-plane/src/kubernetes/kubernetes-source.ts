// The registry source that reads a Kubernetes cluster: Services, EndpointSlices and Pods through
// client-node informers (list, then watch; a 410 Gone relists), seen as services and instances.
import {
  CoreV1Api,
  DiscoveryV1Api,
  ListWatch,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1EndpointSlice,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ServiceView } from '../registry/service-view.js';
import type { RegistrySource } from '../registry/registry-source.js';
import type { WorkloadEnds } from '../registry/workload-ends.js';
import { toServiceViews } from './cluster-services.js';
import { StoppableWatch } from './stoppable-watch.js';
import { workloadEndReason } from './workload-end.js';

export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** First wait before restarting a list or watch that failed; doubles per failure up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

interface Resource<T extends KubernetesObject> {
  kind: string;
  informer: Watched<T>;
  watch: StoppableWatch;
  listed: boolean;
  failures: number;
  retry?: NodeJS.Timeout;
}

export class KubernetesSource implements RegistrySource, WorkloadEnds {
  readonly #options: Required<KubernetesSourceOptions>;
  readonly #services: Resource<V1Service>;
  readonly #endpointSlices: Resource<V1EndpointSlice>;
  readonly #pods: Resource<V1Pod>;
  readonly #listeners = new Set<() => void>();
  #revision = 0;
  #view: { revision: number; services: ServiceView[] } = { revision: -1, services: [] };
  #markSynced: () => void = () => {};
  readonly #synced = new Promise<void>((resolve) => (this.#markSynced = resolve));
  #isStopped = false;

  constructor(options: KubernetesSourceOptions) {
    this.#options = { retryDelayMs: 500, maxRetryDelayMs: 30_000, ...options };
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const discovery = options.kubeConfig.makeApiClient(DiscoveryV1Api);
    this.#services = this.#watch('Service', '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.#endpointSlices = this.#watch('EndpointSlice', '/apis/discovery.k8s.io/v1/endpointslices', () =>
      discovery.listEndpointSliceForAllNamespaces(),
    );
    this.#pods = this.#watch('Pod', '/api/v1/pods', () => core.listPodForAllNamespaces());
  }

  get revision(): number {
    return this.#revision;
  }

  /** Starts listing and watching; resolves once each kind has been listed once (retrying until it has). */
  async start(): Promise<void> {
    for (const resource of this.#resources()) this.#startInformer(resource);
    await this.#synced;
  }

  services(namespace?: string): ServiceView[] {
    if (this.#view.revision !== this.#revision) {
      this.#view = {
        revision: this.#revision,
        services: toServiceViews({
          services: this.#services.informer.list(),
          endpointSlices: this.#endpointSlices.informer.list(),
          pods: this.#pods.informer.list(),
        }),
      };
    }
    return namespace === undefined
      ? this.#view.services
      : this.#view.services.filter((service) => service.namespace === namespace);
  }

  /** An injected sidecar's instance id is its pod's name. */
  workloadEnded(namespace: string, instanceId: string): string | undefined {
    const pod = this.#pods.informer.get(instanceId, namespace);
    return pod && workloadEndReason(pod);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#listeners.clear();
    for (const resource of this.#resources()) {
      clearTimeout(resource.retry);
      resource.watch.stop();
    }
    await Promise.all(this.#resources().map((resource) => resource.informer.stop()));
  }

  #resources(): Resource<KubernetesObject>[] {
    return [this.#services, this.#endpointSlices, this.#pods] as Resource<KubernetesObject>[];
  }

  #watch<T extends KubernetesObject>(
    kind: string,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
  ): Resource<T> {
    const watch = new StoppableWatch(this.#options.kubeConfig);
    const resource: Resource<T> = { kind, watch, listed: false, failures: 0 } as Resource<T>;
    const listOnce = async () => {
      const objects = await list();
      resource.failures = 0;
      // The informer fills its cache right after this promise settles; look once it has.
      setImmediate(() => this.#listedOnce(resource));
      return objects;
    };
    resource.informer = new ListWatch<T>(path, watch, listOnce, false);
    resource.informer.on('change', () => {
      resource.failures = 0;
      this.#changed();
    });
    resource.informer.on('error', (error: unknown) => this.#failed(resource, error));
    return resource;
  }

  #startInformer(resource: Resource<KubernetesObject>): void {
    if (this.#isStopped) return;
    resource.informer.start().catch((error: unknown) => this.#failed(resource, error));
  }

  // client-node stops an informer on any error other than 410 Gone; it resumes from the last
  // resourceVersion it saw (or lists again when it has none) when started again.
  #failed(resource: Resource<KubernetesObject>, error: unknown): void {
    if (this.#isStopped) return;
    const delayMs = Math.min(this.#options.retryDelayMs * 2 ** resource.failures, this.#options.maxRetryDelayMs);
    resource.failures++;
    this.#options.logger.warn(
      { kind: resource.kind, err: error, retryInMs: delayMs },
      `Kubernetes ${resource.kind} list/watch failed; retrying`,
    );
    clearTimeout(resource.retry);
    resource.retry = setTimeout(() => this.#startInformer(resource), delayMs);
  }

  #listedOnce(resource: Resource<KubernetesObject>): void {
    // A relist that removed nothing and changed nothing fires no event, but the first list counts.
    if (!resource.listed) {
      resource.listed = true;
      this.#options.logger.info({ kind: resource.kind }, `Kubernetes ${resource.kind} listed`);
      this.#changed();
    }
    if (this.#resources().every((each) => each.listed)) this.#markSynced();
  }

  #changed(): void {
    this.#revision++;
    for (const listener of this.#listeners) listener();
  }
}
