// The Config API as tests call it, with an operator's credentials: apply YAML on one control plane;
// and a Route whose answers carry a marker, to tell which config version is in force.
import type { ApplyResponse__Output } from '../../proto/gen/pilotfish/v1/ApplyResponse.js';
import { callConfig } from '../../cli/config-client.js';
import { operatorConnection } from './mesh-security.js';
import type { ControlPlaneProcess } from './processes.js';

export function applyConfig(controlPlane: ControlPlaneProcess, yaml: string): Promise<ApplyResponse__Output> {
  return callConfig<ApplyResponse__Output>(operatorConnection(controlPlane.grpc), (client, options, callback) =>
    client.Apply({ yaml, author: 'test' }, options, callback),
  );
}

/** Route `backend` to service backend, adding `x-rule: <marker>` to every answer. */
export const markedRoute = (marker: string) => `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: backend }
spec:
  host: backend
  rules:
    - destinations: [{ service: backend }]
      headers:
        response: { add: { x-rule: ${marker} } }
`;
