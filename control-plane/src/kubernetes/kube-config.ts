// Where the Kubernetes source finds the API server: a kubeconfig file, or the pod's own service
// account (in-cluster) when none is given.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (kubeconfigPath !== undefined) {
    try {
      kubeConfig.loadFromFile(kubeconfigPath);
    } catch (error) {
      throw new Error(`cannot read kubeconfig ${kubeconfigPath}: ${(error as Error).message}`, { cause: error });
    }
    if (!kubeConfig.getCurrentCluster()) {
      throw new Error(`kubeconfig ${kubeconfigPath}: its current context names no cluster (set current-context)`);
    }
    return kubeConfig;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync(IN_CLUSTER_TOKEN)) {
    throw new Error(
      `--kubernetes without --kubeconfig reads the cluster from inside a pod, but this is not one ` +
        `(KUBERNETES_SERVICE_HOST unset or no ${IN_CLUSTER_TOKEN}); pass --kubeconfig FILE`,
    );
  }
  kubeConfig.loadFromCluster();
  return kubeConfig;
}
