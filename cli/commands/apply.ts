// `pilotfish apply -f FILE|DIR`: sends policy documents to the control plane's Config API as one
// change (a folder: every *.yaml / *.yml in it). Refusals print the same messages as `pilotfish validate`.
import { Command } from 'commander';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyResponse__Output } from '../../proto/gen/pilotfish/v1/ApplyResponse.js';
import type { ConfigSource } from '../../proto/gen/pilotfish/v1/ConfigSource.js';
import { connectionOptions, defaultAuthor, type ConnectionFlags } from '../config-connection.js';

const CONFIG_FILE = /\.ya?ml$/;

export function applyCommand(): Command {
  return connectionOptions(
    new Command('apply')
      .description('apply policy documents through the Config API, validated with the config in force (all or nothing)')
      .requiredOption(
        '-f, --filename <file|dir>',
        'a YAML file (one or more documents), or a folder whose *.yaml / *.yml files are applied as one change',
      )
      .option('--dry-run', 'validate against the config in force and show what would change; change nothing'),
  ).action(async (options: ConnectionFlags & { filename: string; dryRun?: boolean }) => {
    const files = await readSources(options.filename);
    const [{ callConfig, ConfigApiError }, grpc] = await Promise.all([
      import('../config-client.js'),
      import('@grpc/grpc-js'),
    ]);
    let response: ApplyResponse__Output;
    try {
      response = await callConfig<ApplyResponse__Output>(options, (client, callOptions, callback) =>
        client.Apply({ files, dry_run: options.dryRun === true, author: defaultAuthor() }, callOptions, callback),
      );
    } catch (error) {
      if (
        !(error instanceof ConfigApiError) ||
        (error.code !== grpc.status.INVALID_ARGUMENT && error.code !== grpc.status.FAILED_PRECONDITION)
      )
        throw error;
      for (const message of error.messages) console.error(message);
      console.error(
        `${error.messages.length} error${error.messages.length === 1 ? '' : 's'}; the control plane refused the change and keeps the config in force`,
      );
      process.exitCode = 1;
      return;
    }
    for (const line of response.changed ?? []) console.log(line);
    console.log(
      options.dryRun
        ? `dry run: nothing changed (version ${response.version} stays in force)`
        : `version ${response.version}`,
    );
  });
}

/** The file, or the folder's config files sorted by name, named as the user gave them. */
async function readSources(path: string): Promise<ConfigSource[]> {
  const names = await configFileNames(path);
  if (names.length === 0) throw new Error(`${path} holds no *.yaml or *.yml files`);
  return Promise.all(
    names.map(async (name) => {
      try {
        return { name, yaml: await readFile(name, 'utf8') };
      } catch (error) {
        throw new Error(`cannot read ${name}`, { cause: error });
      }
    }),
  );
}

async function configFileNames(path: string): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) return [path];
    return (await readdir(path, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && CONFIG_FILE.test(entry.name))
      .map((entry) => join(path, entry.name))
      .sort();
  } catch (error) {
    throw new Error(`cannot read ${path}`, { cause: error });
  }
}
