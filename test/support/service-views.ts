// Registry views for translate's unit tests: each named service in namespace default with one
// instance at 127.0.0.1:40000, labelled version v1.
import type { ServiceView } from '../../control-plane/src/registry/registry.js';

export function oneInstanceServices(...names: string[]): ServiceView[] {
  return names.map((name) => ({
    name,
    namespace: 'default',
    instances: [
      {
        service: name,
        namespace: 'default',
        instanceId: `${name}-1`,
        address: '127.0.0.1',
        port: 40000,
        labels: { version: 'v1' },
        protocol: 'http',
      },
    ],
  }));
}
