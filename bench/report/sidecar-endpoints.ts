// The section of RESULTS.md on what each mesh endpoint costs a sidecar that holds it.
import type { SidecarEndpointsResult } from '../sidecar-endpoints.js';
import { envAssignments } from '../../cli/image-env.js';

// Issue 13's goal: 10,000 endpoints in the mesh cost a sidecar at most 20 MB.
const GOAL_KB_PER_ENDPOINT = 2;

const met = (result: SidecarEndpointsResult) => (result.kbPerEndpoint <= GOAL_KB_PER_ENDPOINT ? 'yes' : '**no**');

export function sidecarEndpointsSection(result: SidecarEndpointsResult, tuned?: SidecarEndpointsResult): string[] {
  const o = result.options;
  return [
    `One sidecar (no traffic) before and after ${o.endpoints} endpoints of ${o.services} services are registered through the Registry API; it holds every cluster and endpoint (no Sidecar scope). RSS is the least of the readings over ${o.settleMs / 1000} s at rest, time for V8 to give back the push's garbage (bench/sidecar-endpoints.ts).`,
    '',
    '| figure | measured | goal | met |',
    '|---|---|---|---|',
    `| sidecar RSS at rest, before / after | ${result.rssBeforeMb.toFixed(1)} MB / ${result.rssAfterMb.toFixed(1)} MB | | |`,
    `| memory per mesh endpoint | ${result.kbPerEndpoint.toFixed(2)} KB | ≤ ${GOAL_KB_PER_ENDPOINT} KB | ${met(result)} |`,
    ...(tuned === undefined
      ? []
      : [
          `| the same, another sidecar with ${envAssignments(tuned.options.env ?? {})
            .map((word) => `\`${word}\``)
            .join(
              ' ',
            )} (deploy/Dockerfile's settings): RSS before / after | ${tuned.rssBeforeMb.toFixed(1)} MB / ${tuned.rssAfterMb.toFixed(1)} MB | | |`,
          `| memory per mesh endpoint, with those settings | ${tuned.kbPerEndpoint.toFixed(2)} KB | ≤ ${GOAL_KB_PER_ENDPOINT} KB | ${met(tuned)} |`,
        ]),
  ];
}
