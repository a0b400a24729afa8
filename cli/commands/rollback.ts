// `pilotfish rollback VERSION`: makes an earlier config version's documents current again, as a new
// version validated like any change. Documents the config folder defines stay as the folder has them.
import { Command, InvalidArgumentError } from 'commander';
import type { RollbackResponse__Output } from '../../proto/gen/pilotfish/v1/RollbackResponse.js';
import { connectionOptions, defaultAuthor, type ConnectionFlags } from '../config-connection.js';

export function rollbackCommand(): Command {
  return connectionOptions(
    new Command('rollback')
      .description(
        'make the documents of an earlier config version current again, as a new version (see `pilotfish history`)',
      )
      .argument('<version>', 'the version to go back to', (value: string) => {
        const version = Number(value);
        if (!Number.isInteger(version) || version <= 0)
          throw new InvalidArgumentError(`"${value}" is not a version (a positive integer)`);
        return version;
      }),
  ).action(async (version: number, options: ConnectionFlags) => {
    const { callConfig } = await import('../config-client.js');
    const response = await callConfig<RollbackResponse__Output>(options, (client, callOptions, callback) =>
      client.Rollback({ version, author: defaultAuthor() }, callOptions, callback),
    );
    for (const note of response.notes ?? []) console.error(`note: ${note}`);
    for (const line of response.changed ?? []) console.log(line);
    console.log(
      (response.changed ?? []).length === 0
        ? `nothing to change: version ${response.version} already holds version ${version}'s documents`
        : `version ${response.version} (the documents of version ${version})`,
    );
  });
}
