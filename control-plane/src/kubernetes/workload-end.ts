// When a pod's sidecar should end with its app. A native sidecar (an init container with restartPolicy
// Always) is ended by kubelet once the app containers are done; a classic one is an ordinary container
// kubelet keeps running, so a Job's pod would never finish. The control plane sees the pod's status and
// tells that sidecar, over its lease keep-alive, once no app container will run again.
import type { V1Pod } from '@kubernetes/client-node';
import { proxyContainerName } from '../injection/injection-settings.js';

/** Why the pod's app has ended for good, or undefined while it runs or may run again. */
export function workloadEndReason(pod: V1Pod): string | undefined {
  const containers = pod.spec?.containers ?? [];
  if (!containers.some((container) => container.name === proxyContainerName)) return undefined;
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  if (restartPolicy === 'Always') return undefined;
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((status) => [status.name, status]));
  const apps = containers.filter((container) => container.name !== proxyContainerName);
  if (apps.length === 0) return undefined;
  const exits: string[] = [];
  for (const app of apps) {
    const exitCode = statuses.get(app.name)?.state?.terminated?.exitCode;
    if (exitCode === undefined) return undefined;
    // Under OnFailure kubelet restarts a container that failed: the sidecar is still needed.
    if (restartPolicy === 'OnFailure' && exitCode !== 0) return undefined;
    exits.push(`${app.name} exited ${exitCode}`);
  }
  return `app containers done (${exits.join(', ')}; restartPolicy ${restartPolicy})`;
}
