// How long the workload certificates the CA issues are valid (--workload-cert-ttl): 24 h unless the
// operator says otherwise, never below a floor that leaves a renewal time to retry before expiry.
import { parseDuration } from '../config/duration.js';

export const DEFAULT_SVID_LIFETIME_MS = 24 * 3_600_000;
// Sidecars renew at 40–60% of the remaining lifetime and a signing call may take 10 s: a minute
// leaves at least 24 s, room for two tries, before the certificate in use expires.
export const MIN_SVID_LIFETIME_MS = 60_000;

/** Milliseconds of a --workload-cert-ttl value such as `24h` or `10m`; throws saying what is wrong. */
export function parseSvidLifetime(text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new Error(parsed.error);
  if (parsed.ms < MIN_SVID_LIFETIME_MS)
    throw new Error(
      `"${text}" is shorter than 1m, the least that leaves sidecars time to renew before their certificate expires`,
    );
  return parsed.ms;
}
