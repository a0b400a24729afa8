// Config durations (milliseconds) as xDS Durations.
export { toProtoDuration as duration } from '../config/duration.js';

/** A percentage (0–100, fractions allowed) as a FractionalPercent per million, so 0.1% is exact. */
export function perMillion(percent: number): { numerator: number; denominator: 'MILLION' } {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}
