// `pilotfish validate FILE…`: checks policy files offline with the control plane's own schemas and
// prints the same messages it would log. Offline there is no registry, so a service is known only
// when a Service document in the given files declares it; other service names are printed as notes
// (the control plane accepts them only if the service is registered) unless --require-declared.
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ConfigFile } from '../../control-plane/src/config/config-documents.js';
import { formatConfigError } from '../../control-plane/src/config/config-error.js';
import { KINDS } from '../../control-plane/src/config/kinds.js';

export function validateCommand(): Command {
  return new Command('validate')
    .description(`check config files (${KINDS.join(', ')}) as the control plane would; exit 1 on errors`)
    .argument('<files...>', 'YAML files, each with one or more documents')
    .option(
      '--require-declared',
      'treat a service that no Service document in the files declares as an error (default: a note, since the registry is not consulted offline)',
    )
    .action(async (paths: string[], options: { requireDeclared?: boolean }) => {
      const files: ConfigFile[] = [];
      for (const path of paths) {
        try {
          files.push({ name: path, text: await readFile(path, 'utf8') });
        } catch (error) {
          throw new Error(`cannot read ${path}`, { cause: error });
        }
      }
      const { validateConfig } = await import('../../control-plane/src/config/config-set.js');
      const result = validateConfig(files, { requireDeclared: options.requireDeclared === true });
      for (const note of result.notes) console.error(`note: ${formatConfigError(note)}`);
      if (!result.ok) {
        for (const error of result.errors) console.error(formatConfigError(error));
        console.error(
          `${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; the control plane would reject this config and keep the last good one`,
        );
        process.exitCode = 1;
        return;
      }
      const counts = new Map<string, number>();
      for (const source of result.documents)
        counts.set(source.document.kind, (counts.get(source.document.kind) ?? 0) + 1);
      const summary = [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ') || 'no documents';
      console.log(
        `ok: ${summary} in ${files.length} file${files.length === 1 ? '' : 's'}${result.notes.length > 0 ? ` (${result.notes.length} service reference${result.notes.length === 1 ? '' : 's'} not checked offline)` : ''}`,
      );
    });
}
