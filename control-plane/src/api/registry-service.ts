// The pilotfish.v1.Registry gRPC service over the registry store (memory or etcd). With authenticated
// callers, a workload registers only instances of its own service, and an instance id stays its registrant's.
import * as grpc from '@grpc/grpc-js';
import type { KeepAliveRequest__Output } from '../../../proto/gen/pilotfish/v1/KeepAliveRequest.js';
import type { KeepAliveResponse } from '../../../proto/gen/pilotfish/v1/KeepAliveResponse.js';
import type { RegistryHandlers } from '../../../proto/gen/pilotfish/v1/Registry.js';
import type { WatchEvent } from '../../../proto/gen/pilotfish/v1/WatchEvent.js';
import type { WatchRequest__Output } from '../../../proto/gen/pilotfish/v1/WatchRequest.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import {
  InstanceOwnedError,
  InstanceTakenError,
  InvalidRegistrationError,
  parseInstance,
  toWireInstance,
  type ServiceInstance,
} from '../registry/instance.js';
import type { RegistryStore } from '../registry/registry-store.js';
import type { WorkloadEnds } from '../registry/workload-ends.js';
import { StoreUnavailableError } from '../store/store-unavailable.js';
import { callerOf } from './authentication-interceptor.js';
import { isOwnService, type Caller } from './caller.js';

/** A registration the authenticated caller may not make. */
class RegistrationDeniedError extends Error {}

/** `workloadEnds` (the Kubernetes source) tells a sidecar over its keep-alive that its pod's app has ended. */
export function addRegistryService(server: grpc.Server, registry: RegistryStore, workloadEnds?: WorkloadEnds): void {
  const handlers: RegistryHandlers = {
    Register(call, callback) {
      // Answered once the registration is stored: a replica that acknowledged it has it in etcd.
      (async () => {
        const instance = ownedBy(callerOf(call.metadata), parseInstance(call.request.instance));
        // A TTL above the maximum is granted as the maximum; the response says what was granted.
        const lease = await registry.register(instance, call.request.ttl_seconds ?? 0, call.request.lease_id ?? '');
        return { lease_id: lease.leaseId, ttl_seconds: lease.ttlSeconds, instance: toWireInstance(instance) };
      })().then(
        (response) => callback(null, response),
        (error: unknown) => callback(asStatus(error)),
      );
    },

    KeepAlive(call: grpc.ServerDuplexStream<KeepAliveRequest__Output, KeepAliveResponse>) {
      const caller = callerOf(call.metadata);
      call.on('data', (request: KeepAliveRequest__Output) => {
        const leaseId = request.lease_id ?? '';
        registry.keepAlive(leaseId).then(
          (ttlSeconds) =>
            call.write({
              lease_id: leaseId,
              ttl_seconds: ttlSeconds,
              workload_ended: (ttlSeconds > 0 && endReason(workloadEnds, caller, request)) || '',
            }),
          // The sidecar keeps its registration and retries on a new stream; its lease outlives a short outage.
          (error: unknown) => call.emit('error', asStatus(error)),
        );
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    Deregister(call, callback) {
      registry.deregister(call.request.lease_id ?? '').then(
        (found) => callback(null, { found }),
        (error: unknown) => callback(asStatus(error)),
      );
    },

    ListServices(call, callback) {
      const services = registry.services(call.request.namespace || undefined);
      callback(null, {
        revision: registry.revision,
        services: services.map((service) => ({
          name: service.name,
          namespace: service.namespace,
          instances: service.instances.map(toWireInstance),
        })),
      });
    },

    Watch(call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>) {
      const namespace = call.request.namespace || undefined;
      const revision = registry.revision;
      for (const service of registry.services(namespace)) {
        for (const instance of service.instances)
          call.write({ type: 'ADDED', instance: toWireInstance(instance), revision });
      }
      const stop = registry.onChange((event) => {
        if (namespace && event.instance.namespace !== namespace) return;
        call.write({ type: event.type, instance: toWireInstance(event.instance), revision: event.revision });
      });
      call.on('cancelled', stop);
      call.on('close', stop);
    },
  };
  server.addService(pilotfish.Registry.service, handlers);
}

/** Why the caller's own workload has ended, if it has; a workload asks about its own namespace only. */
function endReason(
  workloadEnds: WorkloadEnds | undefined,
  caller: Caller | undefined,
  { namespace, instance_id: instanceId }: KeepAliveRequest__Output,
): string | undefined {
  if (!workloadEnds || !namespace || !instanceId) return undefined;
  if (caller?.kind === 'workload' && caller.namespace !== namespace) return undefined;
  return workloadEnds.workloadEnded(namespace, instanceId);
}

/** `instance` with its owner; throws RegistrationDeniedError when a workload registers another service. */
function ownedBy(caller: Caller | undefined, instance: ServiceInstance): ServiceInstance {
  if (caller === undefined) return instance;
  if (caller.kind === 'operator') return { ...instance, owner: `admin ${caller.name}` };
  if (!isOwnService(caller, instance.namespace, instance.service))
    throw new RegistrationDeniedError(
      `${caller.spiffeId} may register only instances of ${caller.service === undefined ? 'services' : `service "${caller.service}"`} in namespace "${caller.namespace}", not of "${instance.service}" in "${instance.namespace}"`,
    );
  return { ...instance, owner: caller.spiffeId };
}

function asStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof RegistrationDeniedError || error instanceof InstanceOwnedError)
    return { code: grpc.status.PERMISSION_DENIED, details: error.message };
  if (error instanceof InvalidRegistrationError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof InstanceTakenError) return { code: grpc.status.ALREADY_EXISTS, details: error.message };
  if (error instanceof StoreUnavailableError) return { code: grpc.status.UNAVAILABLE, details: error.message };
  return { code: grpc.status.INTERNAL, details: `registration failed: ${String(error)}` };
}
