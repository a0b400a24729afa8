// What starting a sidecar takes (its service, app, listen addresses, control planes, identity,
// telemetry and intercept settings) and what a started sidecar offers.
import type { Logger } from 'pino';
import type { HostPort } from '../../shared/host-port.js';
import type { WorkloadCertificate } from './identity/workload-certificate.js';
import type { InboundProtocol } from './intercept/inbound-protocol.js';
import type { OriginalDestinationReader } from './intercept/original-destination.js';
import type { AppProbe } from './listeners/app-probe-schema.js';
import type { TraceExportConfig } from './telemetry/trace-export-config.js';
import type { AppProtocol } from './xds/app-protocol.js';

export interface SidecarOptions {
  service: string;
  namespace: string;
  instanceId: string;
  labels: Record<string, string>;
  appPort: number;
  /** What the app speaks: registered as the instance's protocol; h2 to a grpc or http2 app; `tcp` makes the inbound listener a raw TCP forwarder. */
  appProtocol: AppProtocol;
  /** The control-plane replicas (`--control-plane`); one is used at a time. */
  controlPlanes: HostPort[];
  /** An ADS stream moves to a replica picked afresh after this long. */
  controlPlaneMaxAgeMs: number;
  /** Where the last accepted config is kept, and how long a start waits for a control plane before serving it. */
  configCache?: { dir: string; waitMs: number };
  inboundListen: HostPort;
  outboundListen: HostPort;
  adminListen: HostPort;
  /** The status listener kubelet probes (injected pods); none when undefined. */
  statusListen?: HostPort;
  /** The app's probes the status listener forwards (PILOTFISH_APP_PROBES). */
  appProbes?: Map<string, AppProbe>;
  advertiseAddress: string;
  leaseTtlSeconds: number;
  drainMs: number;
  /** A bootstrap token: with it the sidecar gets its workload certificate from the control plane. */
  tokenFile?: string;
  /** The roots the control plane's TLS certificate is checked against; plaintext to the control plane without it. */
  caFile?: string;
  /** Over how long the certificate renewal that a change of the roots in caFile brings is spread. */
  rootsChangeSpreadMs?: number;
  /** Where spans go (OTEL_EXPORTER_OTLP_ENDPOINT). */
  traceExport: TraceExportConfig;
  /** Records Istio's request metrics (the default); false leaves them out, and their cost. */
  requestMetrics?: boolean;
  /** Intercept mode: how redirected connections' destinations are read, and what the app's other ports speak. */
  intercept?: { readDestination: OriginalDestinationReader; inboundPorts: ReadonlyMap<number, InboundProtocol> };
  logger: Logger;
  /** Called on POST /quitquitquit, and when the control plane says this workload's app has ended. */
  onQuit(): void;
}

export interface Sidecar {
  inbound: string;
  outbound: string;
  admin: string;
  /** This workload's certificate, when it has a --token-file: what peers' sidecars see in mutual TLS. */
  certificate: WorkloadCertificate | undefined;
  stop(): Promise<void>;
}
