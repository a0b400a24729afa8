// Option parsers and process plumbing shared by the commands.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return number;
}

export function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port (1–65535)`);
  return number;
}

/** Parses `k=v,k2=v2` into a label map. */
export function labelList(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new InvalidArgumentError(`"${pair}" is not key=value`);
    labels[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return labels;
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
