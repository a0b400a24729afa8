// The options by which a proxy (sidecar or gateway) finds its control plane: the replicas, how
// long one ADS stream may last before the proxy picks a replica afresh, and the roots its TLS
// certificate is checked against (the CLI's config commands share the last).
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { HostPort } from '../shared/host-port.js';
import { ROOTS_CHANGE_SPREAD_MS } from '../sidecar/src/identity/workload-certificate.js';
import { parseControlPlanes } from '../sidecar/src/xds/control-planes.js';
import { positiveInt } from './options.js';

export interface ControlPlaneFlags {
  controlPlane: HostPort[];
  controlPlaneMaxAge: number;
}

const DEFAULT_CONTROL_PLANE = '127.0.0.1:15010';
// Istio's default max connection age for istiod's xDS streams.
const DEFAULT_MAX_AGE_SECONDS = 1800;

function controlPlaneList(value: string): HostPort[] {
  try {
    return parseControlPlanes(value, '--control-plane');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function addControlPlaneOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--control-plane <host:port,...>',
        "the control plane's gRPC address; several replicas comma-separated (a name may resolve to several): one is used, the next on failure",
      )
        .argParser(controlPlaneList)
        .default(controlPlaneList(DEFAULT_CONTROL_PLANE), DEFAULT_CONTROL_PLANE),
    )
    .option(
      '--control-plane-max-age <seconds>',
      'after this long the xDS stream moves to a replica picked afresh (replicas rebalance after one returns)',
      positiveInt,
      DEFAULT_MAX_AGE_SECONDS,
    );
}

/** --ca-file (or PILOTFISH_CA_FILE): without it the connection is plaintext. */
export function caFileOption(): Option {
  return new Option(
    '--ca-file <file>',
    "the roots the control plane's TLS certificate is checked against: its <state-dir>/trust-bundle.pem (without it: plaintext, for a control plane run without --state-dir)",
  ).env('PILOTFISH_CA_FILE');
}

/** --roots-change-spread (or PILOTFISH_ROOTS_CHANGE_SPREAD): how a proxy's fleet spreads its renewals when the roots change. */
export function rootsChangeSpreadOption(): Option {
  return new Option(
    '--roots-change-spread <seconds>',
    'when the roots in --ca-file change (a step of a root rotation), renew the workload certificate at a random moment within this many seconds, so a fleet does not call the CA at once',
  )
    .env('PILOTFISH_ROOTS_CHANGE_SPREAD')
    .argParser(positiveInt)
    .default(ROOTS_CHANGE_SPREAD_MS / 1000);
}
