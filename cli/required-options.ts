// Required options checked after unknown ones: commander reports a missing required option before an
// unknown one, so a typo (`--servce x`) read as "--service not specified". Here a typo is named first.
import type { Command, Option } from 'commander';

/** Moves every required option of `program`'s commands to a check that runs after commander's own. */
export function checkRequiredOptionsLast(program: Command): Command {
  const required = new Map<Command, Option[]>();
  for (const command of program.commands) {
    const options = command.options.filter((option) => option.mandatory);
    for (const option of options) option.mandatory = false;
    if (options.length > 0) required.set(command, options);
  }
  // preAction runs after commander has refused unknown options and bad arguments.
  return program.hook('preAction', (_program, command) => {
    for (const option of required.get(command) ?? []) {
      if (command.getOptionValue(option.attributeName()) === undefined)
        command.error(`error: required option '${option.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
    }
  });
}
