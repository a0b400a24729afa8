// Protobuf Durations and FractionalPercents as the request path uses them: milliseconds and parts
// per million.
import type { FractionalPercent__Output } from '../../../proto/gen/envoy/type/v3/FractionalPercent.js';
import type { Duration__Output } from '../../../proto/gen/google/protobuf/Duration.js';

export function durationMs(duration: Duration__Output): number {
  return Number(duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}

const PER_MILLION: Readonly<Record<string, number>> = { HUNDRED: 10_000, TEN_THOUSAND: 100, MILLION: 1 };

/** Parts per million, capped at all of them as Envoy caps a numerator above its denominator. */
export function perMillion(percent: FractionalPercent__Output): number {
  const scale = PER_MILLION[percent.denominator ?? 'HUNDRED'] ?? 10_000;
  return Math.min((percent.numerator ?? 0) * scale, 1_000_000);
}
