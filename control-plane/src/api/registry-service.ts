// The pilotfish.v1.Registry gRPC service over the in-memory registry.
import * as grpc from '@grpc/grpc-js';
import type { KeepAliveRequest__Output } from '../../../proto/gen/pilotfish/v1/KeepAliveRequest.js';
import type { KeepAliveResponse } from '../../../proto/gen/pilotfish/v1/KeepAliveResponse.js';
import type { RegistryHandlers } from '../../../proto/gen/pilotfish/v1/Registry.js';
import type { WatchEvent } from '../../../proto/gen/pilotfish/v1/WatchEvent.js';
import type { WatchRequest__Output } from '../../../proto/gen/pilotfish/v1/WatchRequest.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import { InstanceTakenError, InvalidRegistrationError, parseInstance, toWireInstance } from '../registry/instance.js';
import type { Registry } from '../registry/registry.js';

export function addRegistryService(server: grpc.Server, registry: Registry): void {
  const handlers: RegistryHandlers = {
    Register(call, callback) {
      try {
        const instance = parseInstance(call.request.instance);
        // A TTL above the maximum is granted as the maximum; the response says what was granted.
        const lease = registry.register(instance, call.request.ttl_seconds ?? 0, call.request.lease_id ?? '');
        callback(null, { lease_id: lease.leaseId, ttl_seconds: lease.ttlSeconds, instance: toWireInstance(instance) });
      } catch (error) {
        callback(asStatus(error));
      }
    },

    KeepAlive(call: grpc.ServerDuplexStream<KeepAliveRequest__Output, KeepAliveResponse>) {
      call.on('data', (request: KeepAliveRequest__Output) => {
        const leaseId = request.lease_id ?? '';
        call.write({ lease_id: leaseId, ttl_seconds: registry.keepAlive(leaseId) });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    Deregister(call, callback) {
      callback(null, { found: registry.deregister(call.request.lease_id ?? '') });
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

function asStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof InvalidRegistrationError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof InstanceTakenError) return { code: grpc.status.ALREADY_EXISTS, details: error.message };
  return { code: grpc.status.INTERNAL, details: `registration failed: ${String(error)}` };
}
