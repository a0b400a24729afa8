// Real etcd members (Debian's etcd-server) for store tests, alone or as a cluster: on 127.0.0.1 with
// free ports and temporary data dirs, stopped by PID; restartable on the same ports and data (an outage).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';

export interface EtcdMember {
  /** `http://127.0.0.1:PORT`, what `--store etcd://…` names. */
  clientUrl: string;
  /** `etcd://127.0.0.1:PORT` for `pilotfish control-plane --store`. */
  storeUrl: string;
  process(): RunningProcess;
  /** Stops the member by PID (SIGKILL by default: an outage), keeping its data dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports with the same data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its data dir. */
  remove(): Promise<void>;
}

/** PEM files: the member's certificate and key, and the CA its clients' certificates must chain to. */
export interface EtcdTls {
  certificateFile: string;
  keyFile: string;
  clientCaFile: string;
  /** A client certificate and key signed by clientCaFile, for the member's own health check. */
  client: { certificateFile: string; keyFile: string };
}

/** Starts a member; with `tls`, clients must speak TLS and present a certificate (etcd's client auth). */
export async function startEtcd(tls?: EtcdTls): Promise<EtcdMember> {
  const [member] = await startEtcdMembers(1, tls);
  return member as EtcdMember;
}

/**
 * Starts a cluster of `size` members, with short heartbeats and elections so that losing a member
 * moves leadership within a second; `storeUrl` of the cluster names every member.
 */
export async function startEtcdCluster(size: number): Promise<{ members: EtcdMember[]; storeUrl: string }> {
  const members = await startEtcdMembers(size);
  const endpoints = members.map((member) => member.storeUrl.slice('etcd://'.length));
  return { members, storeUrl: `etcd://${endpoints.join(',')}` };
}

async function startEtcdMembers(size: number, tls?: EtcdTls): Promise<EtcdMember[]> {
  const peers = await Promise.all(
    Array.from({ length: size }, async (_, index) => ({
      name: `member-${index}`,
      dataDir: await mkdtemp(join(tmpdir(), 'pilotfish-etcd-')),
      clientPort: await freePort(),
      peerUrl: `http://127.0.0.1:${await freePort()}`,
    })),
  );
  const initialCluster = peers.map((peer) => `${peer.name}=${peer.peerUrl}`).join(',');
  const members = peers.map((peer) => etcdMember(peer, initialCluster, size > 1, tls));
  // Started together: a member of a cluster is healthy only once a quorum has elected a leader.
  await Promise.all(members.map((member) => member.start()));
  return members;
}

interface Peer {
  name: string;
  dataDir: string;
  clientPort: number;
  peerUrl: string;
}

function etcdMember(peer: Peer, initialCluster: string, isCluster: boolean, tls: EtcdTls | undefined): EtcdMember {
  const clientUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${peer.clientPort}`;
  const args = [
    '--name',
    peer.name,
    '--data-dir',
    peer.dataDir,
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peer.peerUrl,
    '--initial-advertise-peer-urls',
    peer.peerUrl,
    '--initial-cluster',
    initialCluster,
    ...(isCluster ? ['--heartbeat-interval', '50', '--election-timeout', '500'] : []),
    ...(tls
      ? [
          '--cert-file',
          tls.certificateFile,
          '--key-file',
          tls.keyFile,
          '--client-cert-auth',
          '--trusted-ca-file',
          tls.clientCaFile,
        ]
      : []),
  ];
  let running: RunningProcess | undefined;
  const member: EtcdMember = {
    clientUrl,
    storeUrl: `etcd://127.0.0.1:${peer.clientPort}`,
    process() {
      if (!running) throw new Error('etcd is not running');
      return running;
    },
    async stop(signal = 'SIGKILL') {
      await running?.stop(signal);
      running = undefined;
    },
    async start() {
      running = startProcess('etcd', args);
      const started = running;
      await waitFor(
        async () => {
          if (started.child.exitCode !== null) throw new Error(`etcd exited:\n${started.logs()}`);
          return (await health(clientUrl, tls)) === 200;
        },
        `etcd ${peer.name} /health`,
        30_000,
      );
    },
    async remove() {
      await member.stop();
      await rm(peer.dataDir, { recursive: true, force: true });
    },
  };
  return member;
}

function health(clientUrl: string, tls: EtcdTls | undefined): Promise<number | undefined> {
  if (!tls)
    return fetch(`${clientUrl}/health`).then(
      (answer) => answer.status,
      () => undefined,
    );
  return new Promise((resolve) => {
    const request = get(
      `${clientUrl}/health`,
      {
        ca: readFileSync(tls.certificateFile),
        cert: readFileSync(tls.client.certificateFile),
        key: readFileSync(tls.client.keyFile),
      },
      (answer) => {
        answer.resume();
        resolve(answer.statusCode);
      },
    );
    request.on('error', () => resolve(undefined));
  });
}
