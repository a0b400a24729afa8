// `pilotfish get KIND [NAME]`: the policy documents in force, read through the Config API: one
// document as YAML or JSON, or without NAME a table of that kind's documents.
import { Command, Option } from 'commander';
import { KINDS } from '../../control-plane/src/config/kinds.js';
import type { ConfigDocument__Output } from '../../proto/gen/pilotfish/v1/ConfigDocument.js';
import type { GetResponse__Output } from '../../proto/gen/pilotfish/v1/GetResponse.js';
import type { ListResponse__Output } from '../../proto/gen/pilotfish/v1/ListResponse.js';
import { connectionOptions, resolveKind, type ConnectionFlags } from '../config-connection.js';
import { formatTable } from '../table.js';

interface GetOptions extends ConnectionFlags {
  namespace?: string;
  allNamespaces?: boolean;
  output?: 'yaml' | 'json';
}

export function getCommand(): Command {
  return connectionOptions(
    new Command('get')
      .description('show policy documents in force: one as YAML or JSON, or a table of a kind')
      .argument('<kind>', `${KINDS.join(', ')} (any case, singular or plural)`)
      .argument('[name]', 'the document; without it, every document of the kind')
      .option(
        '-n, --namespace <namespace>',
        'the namespace (default: "default"; without NAME: every namespace unless given)',
      )
      .addOption(
        new Option('-o, --output <format>', 'print documents as YAML or JSON instead of a table').choices([
          'yaml',
          'json',
        ]),
      ),
  ).action(async (kindArgument: string, name: string | undefined, options: GetOptions) => {
    const kind = resolveKind(kindArgument);
    const { callConfig } = await import('../config-client.js');
    if (name !== undefined) {
      const { document } = await callConfig<GetResponse__Output>(options, (client, callOptions, callback) =>
        client.Get({ kind, namespace: options.namespace ?? 'default', name }, callOptions, callback),
      );
      process.stdout.write(await render([document as ConfigDocument__Output], options.output ?? 'yaml', false));
      return;
    }
    const { documents = [], version } = await callConfig<ListResponse__Output>(
      options,
      (client, callOptions, callback) =>
        client.List({ kind, namespace: options.namespace ?? '' }, callOptions, callback),
    );
    if (options.output) {
      process.stdout.write(await render(documents, options.output, true));
      return;
    }
    const rows = documents.map((document) => [document.namespace ?? '', document.name ?? '', document.source ?? '']);
    process.stdout.write(`${formatTable(['NAMESPACE', 'NAME', 'SOURCE'], rows)}\n(config version ${version})\n`);
  });
}

async function render(documents: ConfigDocument__Output[], format: 'yaml' | 'json', asList: boolean): Promise<string> {
  if (format === 'yaml') return documents.map((document) => document.yaml ?? '').join('---\n');
  const { parse } = await import('yaml');
  const values = documents.map((document) => parse(document.yaml ?? '') as unknown);
  return `${JSON.stringify(asList ? values : values[0], null, 2)}\n`;
}
