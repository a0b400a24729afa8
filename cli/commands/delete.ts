// `pilotfish delete KIND NAME`: removes a policy document through the Config API. Refused when the
// config folder defines it, or when documents in force depend on it (the validation message says which).
import { Command } from 'commander';
import { KINDS } from '../../control-plane/src/config/kinds.js';
import type { DeleteResponse__Output } from '../../proto/gen/pilotfish/v1/DeleteResponse.js';
import { connectionOptions, defaultAuthor, resolveKind, type ConnectionFlags } from '../config-connection.js';

export function deleteCommand(): Command {
  return connectionOptions(
    new Command('delete')
      .description('delete a policy document applied through the Config API')
      .argument('<kind>', `${KINDS.join(', ')} (any case, singular or plural)`)
      .argument('<name>', 'the document')
      .option('-n, --namespace <namespace>', 'the namespace', 'default'),
  ).action(async (kindArgument: string, name: string, options: ConnectionFlags & { namespace: string }) => {
    const kind = resolveKind(kindArgument);
    const [{ callConfig, ConfigApiError }, grpc] = await Promise.all([
      import('../config-client.js'),
      import('@grpc/grpc-js'),
    ]);
    const response = await callConfig<DeleteResponse__Output>(options, (client, callOptions, callback) =>
      client.Delete({ kind, namespace: options.namespace, name, author: defaultAuthor() }, callOptions, callback),
    ).catch((error: unknown) => {
      // Deleting what others depend on fails validation: say so, then which documents depend on it.
      if (error instanceof ConfigApiError && error.code === grpc.status.INVALID_ARGUMENT) {
        throw new Error(
          `cannot delete ${kind} ${options.namespace}/${name}; the config would not be valid without it: ${error.messages.join('; ')}`,
        );
      }
      throw error;
    });
    for (const line of response.changed ?? []) console.log(line);
    console.log(`version ${response.version}`);
  });
}
