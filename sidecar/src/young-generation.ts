// A proxy's young generation stays at V8's initial size (a 1 MB semi-space) instead of growing to
// 16 MB (Node.js 20, 22) or 64 MB (Node.js 24) per semi-space while it starts: a proxy's garbage is
// per request, small and short-lived, and a grown young generation stays resident when idle (about
// 30 MB of a sidecar's RSS). To give it more, start Node.js with `--min-semi-space-size=MB`.
import { setFlagsFromString } from 'node:v8';

/** Call before the proxy's modules load: V8 reads the growth factor at each scavenge. */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
