// Probes the demo polls before it sends traffic: an app accepts connections, a component's admin
// /ready answers 200, an instance is in the control plane's registry. Each answers false, never
// throws, while the thing is not there yet.
import { connect } from 'node:net';

export async function isHttpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const finish = (isOpen: boolean) => {
      socket.destroy();
      resolve(isOpen);
    };
    socket
      .once('connect', () => finish(true))
      .once('error', () => finish(false))
      .once('timeout', () => finish(false));
  });
}

/** True once `instanceId` is registered, as the control plane's admin `/debug/registry` shows it. */
export async function isRegistered(controlPlaneAdmin: string, instanceId: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${controlPlaneAdmin}/debug/registry`, { signal: AbortSignal.timeout(1000) });
    if (response.status !== 200) return false;
    const registry = (await response.json()) as { services: Array<{ instances: Array<{ instance_id: string }> }> };
    return registry.services.some((service) =>
      service.instances.some((instance) => instance.instance_id === instanceId),
    );
  } catch {
    return false;
  }
}
