/**
 * The environment deploy/Dockerfile gives every process, and `pilotfish manifests` the control
 * plane's Deployment (should another image run it); the bench measures both without and with it
 * (the control plane's fleet, a sidecar's memory per endpoint):
 * - glibc's allocator setting: large buffers (the control plane's xDS responses, one per proxy; a
 *   sidecar's decoded pushes) are mapped and unmapped rather than kept in the heap arena once
 *   freed, which glibc's dynamic threshold otherwise does after the first ones;
 * - V8's young generation bounded at 16 MB a semi-space, Node.js 20's and 22's default: Node.js 24
 *   lets it grow to 64 MB, and a control plane serving 1,000 proxies then rests at about 340 MB
 *   instead of 240 (a sidecar keeps its young generation at 1 MB either way:
 *   sidecar/src/young-generation.ts).
 */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  NODE_OPTIONS: '--max-semi-space-size=16',
};

/** `env` as NAME=value words, for reports and logs. */
export function envAssignments(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}
