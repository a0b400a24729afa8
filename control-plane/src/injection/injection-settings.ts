// What every injected pod shares: the proxy image, the control plane it dials, the ports and the proxy
// uid. The webhook and `pilotfish inject` take these from their flags; defaults fit `pilotfish manifests`.

export interface InjectionSettings {
  /** The image holding the `pilotfish` command (both the init container and the sidecar run it). */
  image: string;
  /** The control plane's gRPC address as pods reach it. */
  controlPlane: string;
  proxyUid: number;
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
  /** The sidecar's status listener on the pod IP: kubelet's probes and the sidecar's own readiness. */
  statusPort: number;
}

export const defaultInjectionSettings: InjectionSettings = {
  image: 'pilotfish/pilotfish:0.1.0',
  controlPlane: 'pilotfish-control-plane.pilotfish-system.svc:15010',
  proxyUid: 1337,
  inboundPort: 15006,
  outboundPort: 15001,
  adminPort: 15000,
  statusPort: 15021,
};

/** The namespace label that opts a namespace in (the webhook configuration's namespaceSelector). */
export const injectionNamespaceLabel = { key: 'pilotfish-injection', value: 'enabled' } as const;

export const proxyContainerName = 'pilotfish-proxy';
export const initContainerName = 'pilotfish-init';
