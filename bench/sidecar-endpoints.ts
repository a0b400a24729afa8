// What each endpoint in the mesh costs a sidecar that holds it: one sidecar's resident memory at
// rest, then again once it holds every cluster and endpoint of a registry grown by `endpoints`
// registrations (through the Registry API), and the difference per endpoint.
import { rssMb } from './measure/proc-stat.js';
import { freePort } from '../cli/free-port.js';
import { startControlPlane, startSidecar, waitFor } from '../test/support/processes.js';
import { register, registryClient } from '../test/support/registry-client.js';

export interface SidecarEndpointsOptions {
  services: number;
  endpoints: number;
  /**
   * How long the sidecar rests before each reading, so startup's and the push's garbage is given
   * back: V8's memory reducer does it within about 10 s of the last push (a reading 3 s after
   * 10,000 endpoints arrived counted 60 MB of garbage as held).
   */
  settleMs: number;
  /** Added to the sidecar's environment. */
  env?: Readonly<Record<string, string>>;
}

export interface SidecarEndpointsResult {
  options: SidecarEndpointsOptions;
  rssBeforeMb: number;
  rssAfterMb: number;
  kbPerEndpoint: number;
}

/** `npm run bench`'s plan: 10,000 endpoints of 1,000 services, read after 15 s at rest. */
export const SIDECAR_ENDPOINTS_PLAN: SidecarEndpointsOptions = { services: 1000, endpoints: 10_000, settleMs: 15_000 };

const CONCURRENCY = 64;

/** The least of a few readings over `ms`: the memory held, not a collection's passing peak. */
async function restingRssMb(pid: number, ms: number): Promise<number> {
  let least = rssMb(pid);
  for (let elapsed = 0; elapsed < ms; elapsed += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    least = Math.min(least, rssMb(pid));
  }
  return least;
}

async function endpointsHeld(admin: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/clusters`)).text();
  return text.split('::hostname::').length - 1;
}

export async function runSidecarEndpoints(
  options: SidecarEndpointsOptions,
  log: (line: string) => void,
): Promise<SidecarEndpointsResult> {
  const controlPlane = await startControlPlane();
  const registry = registryClient(controlPlane.grpc);
  try {
    // The app is never called: the sidecar only needs a port to register.
    const sidecar = await startSidecar({
      service: 'client',
      appPort: await freePort(),
      controlPlane: controlPlane.grpc,
      env: options.env,
    });
    try {
      const held = await endpointsHeld(sidecar.admin);
      const rssBeforeMb = await restingRssMb(sidecar.pid, options.settleMs);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < options.endpoints) {
            const index = next++;
            await register(registry, {
              instance: { service: `svc-${index % options.services}`, address: '127.0.0.1', port: 20_000 + index },
              ttl_seconds: 3600,
            });
          }
        }),
      );
      await waitFor(
        async () => (await endpointsHeld(sidecar.admin)) >= held + options.endpoints,
        `the sidecar to hold ${options.endpoints} more endpoints`,
        120_000,
      );
      const rssAfterMb = await restingRssMb(sidecar.pid, options.settleMs);
      const kbPerEndpoint = ((rssAfterMb - rssBeforeMb) * 1024) / options.endpoints;
      log(
        `sidecar RSS ${rssBeforeMb.toFixed(1)} MB → ${rssAfterMb.toFixed(1)} MB holding ${options.endpoints} more endpoints: ${kbPerEndpoint.toFixed(2)} KB each`,
      );
      return { options, rssBeforeMb, rssAfterMb, kbPerEndpoint };
    } finally {
      await sidecar.stop();
    }
  } finally {
    registry.close();
    await controlPlane.stop();
  }
}
