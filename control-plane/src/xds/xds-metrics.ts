// What the ADS server counts for Prometheus: responses pushed and NACKs received per resource type,
// and how long proxies take to ACK a push (the mesh's convergence time as the control plane sees it).
import { Counter, Histogram, type Registry } from 'prom-client';
import { TYPE_SHORT_NAMES } from './proxy-status.js';
import type { ResourceTypeUrl } from '../../../proto/xds.js';

export interface XdsMetrics {
  pushed(typeUrl: ResourceTypeUrl): void;
  acked(typeUrl: ResourceTypeUrl, seconds: number): void;
  nacked(typeUrl: ResourceTypeUrl): void;
}

export function createXdsMetrics(registry: Registry): XdsMetrics {
  const labelNames = ['type'] as const;
  const pushes = new Counter({
    name: 'pilotfish_xds_pushes_total',
    help: 'xDS responses sent to proxies, by resource type (CDS, EDS, LDS, RDS, SCDS).',
    labelNames,
    registers: [registry],
  });
  const nacks = new Counter({
    name: 'pilotfish_xds_nacks_total',
    help: 'xDS responses proxies rejected (NACKed), by resource type.',
    labelNames,
    registers: [registry],
  });
  const convergence = new Histogram({
    name: 'pilotfish_xds_push_to_ack_seconds',
    help: 'Time from sending an xDS response to the proxy ACKing it, by resource type.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Each push and ACK of a 5,000-proxy fan-out counts: the labelled children are looked up once.
  const byType = <T>(child: (type: string) => T) =>
    new Map(Object.entries(TYPE_SHORT_NAMES).map(([typeUrl, type]) => [typeUrl, child(type)]));
  const pushesOf = byType((type) => pushes.labels({ type }));
  const convergenceOf = byType((type) => convergence.labels({ type }));
  return {
    pushed: (typeUrl) => pushesOf.get(typeUrl)?.inc(),
    acked: (typeUrl, seconds) => convergenceOf.get(typeUrl)?.observe(seconds),
    nacked: (typeUrl) => nacks.inc({ type: TYPE_SHORT_NAMES[typeUrl] }),
  };
}
