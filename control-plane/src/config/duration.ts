// Durations as users write them in config ("250ms", "2s", "1m30s") and as xDS carries them
// (google.protobuf.Duration).

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds of a duration string, or a reason it is not one. Zero and negative are refused. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('-'))
    return { error: `"${text}" is negative; a duration must be positive (like 250ms, 2s, 1m)` };
  if (!DURATION.test(trimmed))
    return { error: `"${text}" is not a duration (a number with ms, s, m or h, like 250ms, 2s, 1m30s)` };
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number);
  if (!(ms > 0)) return { error: `"${text}" is zero; a duration must be positive` };
  // Below a microsecond nothing on the path can honour it; round to whole nanoseconds.
  return { ms: Math.round(ms * 1e6) / 1e6 };
}

/** google.protobuf.Duration of `ms` milliseconds. */
export function toProtoDuration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
