// How one attempt on one endpoint ended: what the upstream layer reports to its cluster, and what
// outlier detection counts.

export type AttemptOutcome =
  { kind: 'response'; status: number } | { kind: 'connect-failure' } | { kind: 'reset' } | { kind: 'timeout' };
