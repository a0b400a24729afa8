// The pilotfish.v1.Config gRPC service over the config store: apply, read, delete, watch, history
// and rollback of policy documents. Every accepted change goes through the store, so it is
// validated whole and pushed to the proxies like a change in the config folder. The history's
// author is the operator whose admin token made the change (the request's own claim only when the
// control plane runs without authentication).
import * as grpc from '@grpc/grpc-js';
import { stringify } from 'yaml';
import type { ConfigDocument } from '../../../proto/gen/pilotfish/v1/ConfigDocument.js';
import type { ConfigEvent } from '../../../proto/gen/pilotfish/v1/ConfigEvent.js';
import type { ConfigHandlers } from '../../../proto/gen/pilotfish/v1/Config.js';
import type { ConfigWatchRequest__Output } from '../../../proto/gen/pilotfish/v1/ConfigWatchRequest.js';
import { pilotfish } from '../../../proto/pilotfish.js';
import { KINDS } from '../config/config-documents.js';
import { documentLabel } from '../config/config-error.js';
import type { ConfigFile } from '../config/config-documents.js';
import type { ConfigVersion, StoredDocument } from '../config/config-history.js';
import type { ConfigParser } from '../config/config-parser.js';
import { ConfigChangeError } from '../config/config-change.js';
import type { ConfigStore } from '../config/config-store.js';
import type { ValidateOptions } from '../config/validate-options.js';
import { StoreUnavailableError } from '../store/store-unavailable.js';
import { callerOf } from './authentication-interceptor.js';

const STATUS_OF_REASON: Record<ConfigChangeError['reason'], grpc.status> = {
  invalid: grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'folder-owned': grpc.status.FAILED_PRECONDITION,
  conflict: grpc.status.ABORTED,
};

export function addConfigService(
  server: grpc.Server,
  store: ConfigStore,
  parser: ConfigParser,
  validation: ValidateOptions,
): void {
  const handlers: ConfigHandlers = {
    Apply(call, callback) {
      const request = call.request;
      const sources: ConfigFile[] = (request.files ?? []).map((file) => ({
        name: file.name || 'api',
        text: file.yaml ?? '',
      }));
      if (request.yaml) sources.unshift({ name: request.source || 'api', text: request.yaml });
      if (sources.length === 0)
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'yaml: is required: one or more documents' });
      // Parsed in the worker: a large request must not stall ADS and leases.
      parser.parse(sources).then(
        (parsed) =>
          respond(callback, async () => {
            const result = await store.applyDocuments(parsed, {
              ...validation,
              author: authorOf(call.metadata, request.author),
              dryRun: request.dry_run,
            });
            return { version: result.version, changed: result.changed, dry_run: request.dry_run === true };
          }),
        (error: unknown) => callback({ code: grpc.status.INTERNAL, details: `config change failed: ${String(error)}` }),
      );
    },

    Get(call, callback) {
      const { kind, namespace, name } = call.request;
      respond(callback, () => {
        checkKind(kind);
        if (!name) throw new ConfigChangeError('invalid', ['name: is required']);
        const document = store.get(kind ?? '', namespace || 'default', name);
        if (document === undefined)
          throw new ConfigChangeError('not-found', [
            `${documentLabel(kind ?? '', namespace || 'default', name)} does not exist`,
          ]);
        return { document: toWireDocument(document), version: store.version };
      });
    },

    List(call, callback) {
      const { kind, namespace } = call.request;
      respond(callback, () => {
        if (kind) checkKind(kind);
        return {
          documents: store.list(kind || undefined, namespace || undefined).map(toWireDocument),
          version: store.version,
        };
      });
    },

    Delete(call, callback) {
      const { kind, namespace, name } = call.request;
      const author = authorOf(call.metadata, call.request.author);
      respond(callback, async () => {
        checkKind(kind);
        const result = await store.delete(kind ?? '', namespace || 'default', name ?? '', { ...validation, author });
        return { version: result.version, changed: result.changed };
      });
    },

    Watch(call: grpc.ServerWritableStream<ConfigWatchRequest__Output, ConfigEvent>) {
      const latest = store.latest;
      call.write(latest ? toWireEvent(latest) : { version: store.version, changed: [], author: '', at: '' });
      const stop = store.onChange(() => {
        const version = store.latest;
        if (version) call.write(toWireEvent(version));
      });
      call.on('cancelled', stop);
      call.on('close', stop);
    },

    History(call, callback) {
      callback(null, { versions: store.history(call.request.limit ?? 0).map(toWireEvent) });
    },

    Rollback(call, callback) {
      const { version } = call.request;
      const author = authorOf(call.metadata, call.request.author);
      respond(callback, async () => {
        const result = await store.rollback(Number(version ?? 0), { ...validation, author });
        return { version: result.version, changed: result.changed, notes: result.notes };
      });
    },
  };
  server.addService(pilotfish.Config.service, handlers);
}

function authorOf(metadata: grpc.Metadata, claimed: string | undefined): string | undefined {
  const caller = callerOf(metadata);
  if (caller === undefined) return claimed;
  return caller.kind === 'operator' ? caller.name : caller.spiffeId;
}

/**
 * Answers with `run()`'s result (once a change is stored), or its refusal as the matching status with the
 * messages as details; an unreachable store is UNAVAILABLE.
 */
function respond<T>(callback: grpc.sendUnaryData<T>, run: () => T | Promise<T>): void {
  new Promise<T>((resolve) => resolve(run())).then(
    (response) => callback(null, response),
    (error: unknown) => {
      if (error instanceof ConfigChangeError)
        callback({ code: STATUS_OF_REASON[error.reason], details: error.message });
      else if (error instanceof StoreUnavailableError)
        callback({ code: grpc.status.UNAVAILABLE, details: error.message });
      else callback({ code: grpc.status.INTERNAL, details: `config change failed: ${String(error)}` });
    },
  );
}

function checkKind(kind: string | undefined): void {
  if (!kind) throw new ConfigChangeError('invalid', [`kind: is required: one of ${KINDS.join(', ')}`]);
  if (!(KINDS as string[]).includes(kind))
    throw new ConfigChangeError('invalid', [
      `kind: "${kind}" is not a kind this control plane knows (${KINDS.join(', ')})`,
    ]);
}

function toWireDocument(document: StoredDocument): ConfigDocument {
  return {
    kind: document.kind,
    namespace: document.namespace,
    name: document.name,
    yaml: stringify(document.source),
    source: document.file === undefined ? 'api' : `file:${document.file}`,
  };
}

function toWireEvent(version: ConfigVersion): ConfigEvent {
  return { version: version.version, changed: version.changed, author: version.author, at: version.at };
}
