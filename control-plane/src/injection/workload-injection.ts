// Offline injection (`pilotfish inject`, like `istioctl kube-inject`): multi-document YAML in, the same
// documents out with the sidecar in every pod template of Pods, Deployments, StatefulSets, DaemonSets,
// ReplicaSets, Jobs and CronJobs; other kinds pass through unchanged.
import type { IPod } from 'kubernetes-models/v1/Pod';
import { parseAllDocuments, stringify } from 'yaml';
import type { InjectionSettings } from './injection-settings.js';
import { injectPod } from './pod-injection.js';

type Document = Record<string, unknown> & { kind?: unknown; metadata?: { name?: string } };
type Template = Pick<IPod, 'metadata' | 'spec'>;

/** Where each kind keeps its pod (template). */
const templatePaths: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface InjectedManifests {
  text: string;
  /** One line per pod template left alone for a reason the user should see. */
  notes: string[];
}

/** Injects every pod template in `text` (named `source` in messages); throws on YAML that does not parse. */
export function injectManifests(text: string, source: string, settings: InjectionSettings): InjectedManifests {
  const notes: string[] = [];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new Error(`${source}: not a YAML stream`);
  const output = documents.flatMap((document, index) => {
    const where = `${source}: document ${index + 1}`;
    const [error] = document.errors;
    if (error) throw new Error(`${where}: ${error.message}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: not a Kubernetes object`);
    const object = value as Document;
    const path = typeof object.kind === 'string' ? templatePaths[object.kind] : undefined;
    if (path !== undefined) {
      const note = injectTemplate(object, path, settings);
      if (note !== undefined) notes.push(`${where} (${String(object.kind)} ${object.metadata?.name ?? ''}): ${note}`);
    }
    return [stringify(object)];
  });
  return { text: output.join('---\n'), notes };
}

/** Injects the pod at `path` inside `object` in place; returns why it was left alone, if it was. */
function injectTemplate(object: Document, path: string[], settings: InjectionSettings): string | undefined {
  let template: Record<string, unknown> = object;
  for (const key of path) {
    const next = template[key];
    if (typeof next !== 'object' || next === null) return `no pod template at ${path.join('.')}`;
    template = next as Record<string, unknown>;
  }
  const { metadata, spec } = template as Template;
  // A template has no name of its own: the workload's stands in as the service name of last resort.
  const pod: IPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, name: metadata?.name ?? object.metadata?.name },
    spec,
  };
  const result = injectPod(pod, settings);
  if (!result.isInjected) return `sidecar not injected: ${result.reason}`;
  template.spec = result.pod.spec;
  template.metadata = { ...metadata, annotations: result.pod.metadata?.annotations };
  return undefined;
}
