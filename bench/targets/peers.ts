// The upstream app and the peers the sidecar is compared with: nginx and haproxy (Debian packages,
// run as our own child processes with generated configs) and a bare node-http-proxy; and the OTLP
// sink the sidecars export their spans to.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cli/free-port.js';
import { packageRoot } from '../../proto/paths.js';
import { withChildren } from '../measure/proc-stat.js';
import { spawnListening, stopChild, waitListening, type Target } from './target.js';

const here = import.meta.dirname;
// The config templates stay in the source tree: bench/peers/.
const peersSource = join(packageRoot, 'bench', 'peers');

export interface Upstream {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startUpstream(bodyBytes: number): Promise<Upstream> {
  const [child, port] = await spawnListening(
    process.execPath,
    [join(here, '..', 'upstream-server.js'), '0', String(bodyBytes)],
    'upstream',
  );
  return { port, pid: child.pid as number, stop: () => stopChild(child) };
}

/** The OTLP/HTTP collector the sidecars export to (bench/otlp-sink.ts), as OTEL_EXPORTER_OTLP_ENDPOINT. */
export async function startOtlpSink(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const [child, port] = await spawnListening(process.execPath, [join(here, '..', 'otlp-sink.js'), '0'], 'OTLP sink');
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export function directTarget(upstream: Upstream): Target {
  return {
    name: 'direct',
    address: `127.0.0.1:${upstream.port}`,
    host: 'upstream',
    proxyPids: () => [],
    stop: async () => undefined,
  };
}

export async function nodeHttpProxyTarget(upstream: Upstream): Promise<Target> {
  const [child, port] = await spawnListening(
    process.execPath,
    [join(here, '..', 'peers', 'node-http-proxy.js'), '0', String(upstream.port)],
    'node-http-proxy',
  );
  return {
    name: 'node-http-proxy',
    address: `127.0.0.1:${port}`,
    host: 'upstream',
    proxyPids: () => [child.pid as number],
    stop: () => stopChild(child),
  };
}

/** Why a peer cannot run here, or undefined when it can. */
export function peerUnavailable(binary: 'nginx' | 'haproxy'): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  return found
    ? undefined
    : `${binary} is not installed (bash bench/peers/install.sh installs it from Debian's packages)`;
}

function render(template: string, values: Record<string, string | number>): string {
  return readFileSync(join(peersSource, template), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) =>
    String(values[key]),
  );
}

export async function nginxTarget(upstream: Upstream): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), render('nginx.conf.tmpl', { DIR: dir, PORT: port, UPSTREAM: upstream.port }));
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = `127.0.0.1:${port}`;
  await waitListening(address, 'nginx');
  return {
    name: 'nginx',
    address,
    host: 'upstream',
    proxyPids: () => withChildren(child.pid as number),
    stop: () => stopChild(child),
  };
}

export async function haproxyTarget(upstream: Upstream): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-bench-haproxy-'));
  const port = await freePort();
  writeFileSync(join(dir, 'haproxy.cfg'), render('haproxy.cfg.tmpl', { PORT: port, UPSTREAM: upstream.port }));
  const child = spawn('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = `127.0.0.1:${port}`;
  await waitListening(address, 'haproxy');
  return {
    name: 'haproxy',
    address,
    host: 'upstream',
    proxyPids: () => [child.pid as number],
    stop: () => stopChild(child),
  };
}
