// `pilotfish history`: the accepted config versions, newest first, with who made each and what changed.
import { Command } from 'commander';
import type { HistoryResponse__Output } from '../../proto/gen/pilotfish/v1/HistoryResponse.js';
import { connectionOptions, type ConnectionFlags } from '../config-connection.js';
import { positiveInt } from '../options.js';
import { formatTable } from '../table.js';

export function historyCommand(): Command {
  return connectionOptions(
    new Command('history')
      .description(
        'list the accepted config versions, newest first: when, who (file:<path>, api or the author given) and what changed',
      )
      .option('--limit <n>', 'show only the newest N versions', positiveInt)
      .option('--json', 'print JSON instead of a table'),
  ).action(async (options: ConnectionFlags & { limit?: number; json?: boolean }) => {
    const { callConfig } = await import('../config-client.js');
    const { versions = [] } = await callConfig<HistoryResponse__Output>(options, (client, callOptions, callback) =>
      client.History({ limit: options.limit ?? 0 }, callOptions, callback),
    );
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify(
          versions.map((entry) => ({ ...entry, version: Number(entry.version) })),
          null,
          2,
        )}\n`,
      );
      return;
    }
    const rows = versions.map((entry) => [
      String(entry.version),
      entry.at ?? '',
      entry.author ?? '',
      (entry.changed ?? []).join(', '),
    ]);
    process.stdout.write(`${formatTable(['VERSION', 'AT', 'AUTHOR', 'CHANGES'], rows)}\n`);
  });
}
