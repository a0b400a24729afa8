// A message carried in a google.protobuf.Any (a filter's typed_config, a per-filter config): its
// own generated type, tagged with its type URL as proto-loader's '@type'.
import type { AnyExtension } from '@grpc/proto-loader';

export function typedConfig<T extends object>(typeUrl: string, message: T): T & AnyExtension {
  return { '@type': typeUrl, ...message };
}
