// gRPC credentials for tests that call an authenticated control plane directly: TLS trusting its
// trust bundle, and a token (a workload's bootstrap token, an operator's admin token) as metadata.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';

export function tokenCredentials(caFile: string, token?: string): grpc.ChannelCredentials {
  const tls = grpc.credentials.createSsl(readFileSync(caFile));
  if (token === undefined) return tls;
  return grpc.credentials.combineChannelCredentials(
    tls,
    grpc.credentials.createFromMetadataGenerator((_, callback) => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      callback(null, metadata);
    }),
  );
}
