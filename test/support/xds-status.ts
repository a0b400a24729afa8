// What a sidecar and a control plane say about their xDS stream: which replica a sidecar follows,
// and whether a replica sees a proxy in sync (every type ACKed at the version it serves).
import type { ControlPlaneProcess, SidecarProcess } from './processes.js';

export interface SidecarDump {
  controlPlane?: string;
  connected: boolean;
}

export async function dumpOf(sidecar: SidecarProcess): Promise<SidecarDump> {
  return (await (await fetch(`http://${sidecar.admin}/config_dump`)).json()) as SidecarDump;
}

export async function inSyncOn(controlPlane: ControlPlaneProcess, nodeId: string): Promise<boolean> {
  const view = (await (await fetch(`http://${controlPlane.admin}/debug/proxies`)).json()) as {
    proxies: Array<{ nodeId: string; types: Record<string, { inSync: boolean }> }>;
  };
  const proxy = view.proxies.find((candidate) => candidate.nodeId === nodeId);
  return ['CDS', 'EDS', 'LDS', 'RDS'].every((type) => proxy?.types[type]?.inSync === true);
}
