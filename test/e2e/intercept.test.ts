// Intercept mode for real, as root: network namespaces as pods A and B on a bridge (in a third
// namespace, so the host's own firewall never sees their traffic), `pilotfish init-iptables` in each,
// apps as an ordinary uid that know nothing of the mesh, sidecars as the proxy uid 1337 with
// --intercept, and the control plane on this host at an address only the pods route to.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { check as checkArgs, run } from '../support/commands.js';
import { cliPath, startControlPlane, startProcess, type RunningProcess } from '../support/processes.js';
import { register, registryClient } from '../support/registry-client.js';

const PROXY_UID = '1337';
const APP_UID = '65534';
const NET = '10.213.0';
const HOST_LINK = '10.213.1';
const A_IP = `${NET}.1`;
const B_IP = `${NET}.2`;
const HUB_IP = `${NET}.254`;
const VIRTUAL_IPS = { backend: '10.96.0.10', echo: '10.96.0.11', banner: '10.96.0.12' };
// Outbound to this port skips A's sidecar (init-iptables --exclude-outbound-ports).
const EXCLUDED_PORT = 9300;
const PASSTHROUGH_PORT = 9301;
const BACKEND_FQDN = 'backend.default.svc.cluster.local';

const check = (command: string, ...args: string[]) => checkArgs(command, args);

/** The sum of every series of `name` whose labels include `labels` (they differ in the source's labels). */
function total(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function whyNotRunnable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return Promise.resolve('needs root (network namespaces and iptables)');
  return Promise.all([run('iptables-restore', ['--version']), run('ip', ['-V']), run('setpriv', ['--version'])]).then(
    ([iptables, ip, setpriv]) =>
      iptables.code !== 0
        ? 'iptables is not installed'
        : ip.code !== 0
          ? 'iproute2 is not installed'
          : setpriv.code !== 0
            ? 'setpriv (util-linux) is not installed'
            : undefined,
  );
}

const skipReason = await whyNotRunnable();
if (skipReason) console.log(`# skipping intercept namespace tests: ${skipReason}`);

/** Runs `argv` in a namespace as `uid` (root when undefined). */
function inNamespace(namespace: string, uid: string | undefined, argv: string[]): [string, string[]] {
  const as = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  return ['ip', ['netns', 'exec', namespace, ...as, ...argv]];
}

/** A Node script run to its end in a namespace as `uid`: what it printed. */
async function script(namespace: string, uid: string | undefined, source: string): Promise<string> {
  const [command, args] = inNamespace(namespace, uid, [process.execPath, '--input-type=module', '-e', source]);
  return check(command, ...args);
}

/** A long-running process in a namespace, once it printed `ready` (stdout) or logged it (stderr). */
async function startIn(namespace: string, uid: string, argv: string[], ready: string): Promise<RunningProcess> {
  const [command, args] = inNamespace(namespace, uid, argv);
  const running = startProcess(command, args, { ...process.env, PILOTFISH_LOG_LEVEL: 'info' });
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (running.output().includes(ready) || running.logs().includes(ready)) resolve();
    };
    running.child.stdout?.on('data', onData);
    running.child.stderr?.on('data', onData);
    running.child.once('exit', (code) =>
      reject(new Error(`${argv.join(' ')} exited with ${code}:\n${running.logs()}${running.output()}`)),
    );
  });
  return running;
}

const http = (url: string) =>
  `const response = await fetch(${JSON.stringify(url)}); console.log(response.status, await response.text());`;
// Connects, sends `send` (if any), prints what came back until the server ends, and the local port.
const tcp = (host: string, port: number, send: string | undefined) => `
import { connect } from 'node:net';
const socket = connect(${port}, ${JSON.stringify(host)});
let received = '';
socket.setEncoding('utf8').on('data', (chunk) => { received += chunk; ${send === undefined ? 'socket.end();' : ''} });
let localPort;
socket.on('connect', () => { localPort = socket.localPort; ${send === undefined ? '' : `socket.end(${JSON.stringify(send)});`} });
let error;
socket.on('error', (cause) => { error = cause.code; });
socket.on('close', () => console.log(JSON.stringify({ received, localPort, error })));`;

// Pod B's apps, as an ordinary uid: HTTP on 8080, a TCP echo on 9000, a server-first banner on 9100.
const B_APPS = `
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
createServer((req, res) => res.end('backend answers ' + req.headers.host)).listen(8080);
createTcpServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket)).listen(9000);
createTcpServer((socket) => socket.end('220 banner ready\\r\\n')).listen(9100, () => console.log('apps listening'));`;
// Outside both pods: tells each caller the port it came from.
const HUB_SERVER = `
import { createServer } from 'node:net';
for (const port of [${EXCLUDED_PORT}, ${PASSTHROUGH_PORT}])
  createServer((socket) => socket.end(String(socket.remotePort))).listen(port, '${HUB_IP}');
console.log('hub listening');`;

/**
 * A run of this test killed before its `after` (a run-wide bound, a CI cancel) leaves its namespaces
 * and the host's route into them behind, and this run's fixed addresses would collide with them:
 * remove those whose test process (the pid in their name) is gone. Deleting a namespace deletes its
 * veth pairs, and with the host's end the route through it.
 */
async function removeLeftovers(): Promise<void> {
  const names = (await checkArgs('ip', ['netns', 'list'])).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = /^pf-(?:hub|a|b)-(\d+)$/.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    await checkArgs('ip', ['netns', 'del', name]);
    rmSync(join('/etc/netns', name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the sidecar in intercept mode, pods in network namespaces', { skip: skipReason }, () => {
  const id = String(process.pid);
  const hub = `pf-hub-${id}`;
  const pods = { a: `pf-a-${id}`, b: `pf-b-${id}` };
  const configDir = mkdtempSync(join(tmpdir(), 'pilotfish-intercept-'));
  const processes: RunningProcess[] = [];
  let sidecarA: RunningProcess;

  const scrape = (pod: string) =>
    script(pod, undefined, `console.log(await (await fetch('http://127.0.0.1:15000/stats/prometheus')).text());`);
  /** Polls `read` until it gives `expected` (each poll is a process run in a pod: no fixed sleep). */
  async function eventually<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
    let last: T | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      last = await read();
      if (last === expected) return;
    }
    assert.fail(`${what}: expected ${String(expected)}, last ${String(last)}`);
  }
  const requests = async (pod: string, reporter: 'source' | 'destination') =>
    total(await scrape(pod), 'istio_requests_total', { reporter, destination_service: BACKEND_FQDN });

  before(async () => {
    await removeLeftovers();
    await check('ip', 'netns', 'add', hub);
    await check('ip', '-n', hub, 'link', 'set', 'lo', 'up');
    await check('ip', '-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    await check('ip', '-n', hub, 'addr', 'add', `${HUB_IP}/24`, 'dev', 'br0');
    await check('ip', '-n', hub, 'link', 'set', 'br0', 'up');
    await check('ip', 'netns', 'exec', hub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // This host reaches the pods through the hub, at an address of its own for the control plane.
    const hostEnd = `pfh${id}`;
    await check('ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'up0', 'netns', hub);
    await check('ip', 'addr', 'add', `${HOST_LINK}.1/30`, 'dev', hostEnd);
    await check('ip', 'link', 'set', hostEnd, 'up');
    await check('ip', '-n', hub, 'addr', 'add', `${HOST_LINK}.2/30`, 'dev', 'up0');
    await check('ip', '-n', hub, 'link', 'set', 'up0', 'up');
    await check('ip', 'route', 'add', `${NET}.0/24`, 'via', `${HOST_LINK}.2`);
    for (const [pod, ip] of [
      [pods.a, A_IP],
      [pods.b, B_IP],
    ] as const) {
      const port = pod === pods.a ? 'a0' : 'b0';
      await check('ip', 'netns', 'add', pod);
      await check('ip', '-n', pod, 'link', 'set', 'lo', 'up');
      await check('ip', '-n', hub, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
      await check('ip', '-n', hub, 'link', 'set', port, 'master', 'br0', 'up');
      await check('ip', '-n', pod, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      await check('ip', '-n', pod, 'link', 'set', 'eth0', 'up');
      await check('ip', '-n', pod, 'route', 'add', 'default', 'via', HUB_IP);
      // What cluster DNS would answer: each service name is its virtual IP.
      mkdirSync(join('/etc/netns', pod), { recursive: true });
      writeFileSync(
        join('/etc/netns', pod, 'hosts'),
        `127.0.0.1 localhost\n${Object.entries(VIRTUAL_IPS)
          .map(([name, address]) => `${address} ${name}`)
          .join('\n')}\n`,
      );
      const iptables = ['--proxy-uid', PROXY_UID, '--exclude-inbound-ports', '15000'];
      if (pod === pods.a) iptables.push('--exclude-outbound-ports', String(EXCLUDED_PORT));
      await check('ip', 'netns', 'exec', pod, process.execPath, cliPath, 'init-iptables', ...iptables);
    }

    writeFileSync(
      join(configDir, 'services.yaml'),
      Object.entries({ backend: [8080, 'http'], echo: [9000, 'tcp'], banner: [9100, 'tcp'] } as const)
        .map(
          ([name, [port, protocol]]) =>
            `apiVersion: pilotfish.dev/v1\nkind: Service\nmetadata: { name: ${name} }\n` +
            `spec: { virtualIp: ${VIRTUAL_IPS[name as keyof typeof VIRTUAL_IPS]}, ports: [{ port: ${port}, protocol: ${protocol} }] }\n`,
        )
        .join('---\n'),
    );
    // Plaintext: these sidecars are started by hand, without the test credentials startCli adds.
    const controlPlane = await startControlPlane(
      ['--grpc-listen', `${HOST_LINK}.1:0`, '--config-dir', configDir],
      {},
      { plaintext: true },
    );
    processes.push(controlPlane);
    // The TCP services are served by pod B's apps; B's sidecar speaks for backend.
    const registry = registryClient(controlPlane.grpc);
    for (const [service, port] of [
      ['echo', 9000],
      ['banner', 9100],
    ] as const)
      await register(registry, {
        instance: { service, namespace: 'default', instance_id: `${service}-b`, address: B_IP, port, protocol: 'tcp' },
        ttl_seconds: 3600,
      });
    registry.close();

    processes.push(
      await startIn(hub, APP_UID, [process.execPath, '--input-type=module', '-e', HUB_SERVER], 'hub listening'),
    );
    processes.push(
      await startIn(pods.b, APP_UID, [process.execPath, '--input-type=module', '-e', B_APPS], 'apps listening'),
    );
    const sidecar = (service: string, ip: string, extra: string[] = []) => [
      process.execPath,
      cliPath,
      'sidecar',
      '--intercept',
      '--service',
      service,
      '--app-port',
      '8080',
      '--control-plane',
      controlPlane.grpc,
      '--inbound-listen',
      '0.0.0.0:15006',
      '--advertise-address',
      ip,
      ...extra,
    ];
    sidecarA = await startIn(pods.a, PROXY_UID, sidecar('frontend', A_IP), 'sidecar listening');
    processes.push(sidecarA);
    // 9100 is server-first: declared, since no client bytes could tell it.
    processes.push(
      await startIn(pods.b, PROXY_UID, sidecar('backend', B_IP, ['--inbound-ports', '9100=tcp']), 'sidecar listening'),
    );
    const ready = (pod: string) =>
      script(pod, undefined, `console.log((await fetch('http://127.0.0.1:15000/ready')).status)`);
    await eventually(() => ready(pods.a), '200\n', 'sidecar A ready');
    await eventually(() => ready(pods.b), '200\n', 'sidecar B ready');
    // A's sidecar knows backend's instance in B once B registered.
    await eventually(
      async () => (await script(pods.a, undefined, http('http://127.0.0.1:15000/clusters'))).includes(`${B_IP}:8080`),
      true,
      "backend's instance in sidecar A",
    );
  });

  after(async () => {
    for (const running of processes.reverse()) await running.stop();
    for (const namespace of [pods.a, pods.b, hub]) await run('ip', ['netns', 'del', namespace]);
    for (const pod of Object.values(pods)) rmSync(join('/etc/netns', pod), { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it("lets A's app call http://backend:8080/ and B's own address, knowing nothing of the mesh; both sidecars count each", async () => {
    assert.equal(await script(pods.a, APP_UID, http('http://backend:8080/')), '200 backend answers backend:8080\n');
    // The Host names no service: the address it was sent to does (an instance of backend).
    assert.equal(await script(pods.a, APP_UID, http(`http://${B_IP}:8080/`)), `200 backend answers ${B_IP}:8080\n`);
    await eventually(() => requests(pods.a, 'source'), 2, "A's outbound requests to backend");
    await eventually(() => requests(pods.b, 'destination'), 2, "B's inbound requests");
  });

  it('carries a TCP echo and a protocol whose server speaks first, to services by their virtual IPs', async () => {
    const echo = JSON.parse(await script(pods.a, APP_UID, tcp('echo', 9000, 'ping\n'))) as { received: string };
    assert.equal(echo.received, 'ping\n');
    const banner = JSON.parse(await script(pods.a, APP_UID, tcp('banner', 9100, undefined))) as { received: string };
    assert.equal(banner.received, '220 banner ready\r\n');
    const opened = async (pod: string, reporter: string) =>
      total(await scrape(pod), 'istio_tcp_connections_opened_total', { reporter });
    assert.equal(await opened(pods.a, 'source'), 2);
    assert.equal(await opened(pods.b, 'destination'), 2);
  });

  it('never loops the proxy uid’s own traffic back into the sidecar', async () => {
    const before = await requests(pods.a, 'source');
    const destinationBefore = await requests(pods.b, 'destination');
    assert.equal(await script(pods.a, PROXY_UID, http(`http://${B_IP}:8080/`)), `200 backend answers ${B_IP}:8080\n`);
    await eventually(() => requests(pods.b, 'destination'), destinationBefore + 1, "B's inbound requests");
    assert.equal(await requests(pods.a, 'source'), before);
  });

  it('lets an excluded port bypass the sidecar, and passes an unknown destination through (ALLOW_ANY)', async () => {
    // The server answers with the port the connection came from: the app's own when nothing is in between.
    const excluded = JSON.parse(await script(pods.a, APP_UID, tcp(HUB_IP, EXCLUDED_PORT, ''))) as {
      received: string;
      localPort: number;
    };
    assert.equal(excluded.received, String(excluded.localPort));
    const passedThrough = JSON.parse(await script(pods.a, APP_UID, tcp(HUB_IP, PASSTHROUGH_PORT, ''))) as {
      received: string;
      localPort: number;
    };
    assert.match(passedThrough.received, /^\d+$/);
    assert.notEqual(passedThrough.received, String(passedThrough.localPort));
  });

  it('refuses an unknown destination under REGISTRY_ONLY with a log line saying why; services still answer', async () => {
    writeFileSync(
      join(configDir, 'mesh.yaml'),
      'apiVersion: pilotfish.dev/v1\nkind: MeshConfig\nmetadata: { name: mesh }\nspec: { outboundTrafficPolicy: { mode: REGISTRY_ONLY } }\n',
    );
    await eventually(
      async () =>
        (JSON.parse(await script(pods.a, APP_UID, tcp(HUB_IP, PASSTHROUGH_PORT, ''))) as { received: string }).received,
      '',
      'what an unknown destination answers under REGISTRY_ONLY',
    );
    assert.match(sidecarA.logs(), /outbound connection refused.*REGISTRY_ONLY/);
    assert.equal(await script(pods.a, APP_UID, http('http://backend:8080/')), '200 backend answers backend:8080\n');
  });
});
