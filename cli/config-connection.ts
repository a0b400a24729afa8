// The flags and arguments of the Config API commands, apart from the client (config-client.ts), so a
// command's help and its flag checks load neither grpc-js nor the protos.
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { KINDS } from '../control-plane/src/config/kinds.js';
import { caFileOption } from './control-plane-options.js';

const CONTROL_PLANE_OPTION = [
  '--control-plane <host:port>',
  "the control plane's gRPC address",
  '127.0.0.1:15010',
] as const;

/** Where the control plane is and how to reach it: the flags connectionOptions() adds. */
export interface ConnectionFlags {
  controlPlane: string;
  caFile?: string;
  tokenFile?: string;
}

/** Adds --control-plane, --ca-file and --token-file to `command`. */
export function connectionOptions(command: Command): Command {
  return command
    .option(...CONTROL_PLANE_OPTION)
    .addOption(caFileOption())
    .option(
      '--token-file <file>',
      'an admin token (pilotfish token create --admin <name>); or the token itself in PILOTFISH_TOKEN',
    );
}

/** What the history records when the control plane does not authenticate (with authentication: the token's name). */
export function defaultAuthor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** `route`, `routes`, `Route`, `destinationpolicies` → the kind as the API names it. */
export function resolveKind(value: string): string {
  const lower = value.toLowerCase();
  const kind = KINDS.find((known) => {
    const name = known.toLowerCase();
    return lower === name || lower === `${name}s` || (name.endsWith('y') && lower === `${name.slice(0, -1)}ies`);
  });
  if (kind === undefined) throw new Error(`"${value}" is not a kind this control plane knows (${KINDS.join(', ')})`);
  return kind;
}
