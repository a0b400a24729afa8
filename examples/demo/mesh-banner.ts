// What the demo prints once the mesh is up: what runs where, the admin URLs, where the logs are,
// and commands to try against it.
import { relative } from 'node:path';
import { formatTable } from '../../cli/table.js';
import type { MeshLayout } from './mesh-layout.js';
import { cliPath, type Component } from './start-mesh.js';
import { SUMMARY_EVERY_MS } from './traffic.js';

export function formatMeshBanner(components: readonly Component[], layout: MeshLayout, logDir: string, ratePerSecond: number): string {
  const running = components.map((component) => [component.name, String(component.pid ?? '-'), component.listeners]);
  const admin = components.filter((component) => component.adminUrls.length > 0).map((component) => [component.name, component.adminUrls.join('  ')]);
  const { frontend } = layout;
  return [
    'pilotfish demo: a mesh on loopback',
    '',
    formatTable(['COMPONENT', 'PID', 'LISTENERS'], running),
    '',
    formatTable(['COMPONENT', 'ADMIN URLS'], admin),
    '',
    `logs:    ${logDir} (one file per process)`,
    `try:     curl -H 'Host: backend' http://${frontend.outbound}/hello`,
    `         curl http://${frontend.inbound}/`,
    `         pilotfish status --control-plane-admin ${layout.controlPlane.admin}   (pilotfish = node ${relative(process.cwd(), cliPath)})`,
    `traffic: ${ratePerSecond} req/s to the frontend through its sidecar (http://${frontend.inbound}/), a summary every ${SUMMARY_EVERY_MS / 1000} s; Ctrl-C stops everything`,
    '',
  ].join('\n');
}
