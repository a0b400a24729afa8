// Tests run control planes as production does: with a state dir, so the gRPC port is TLS and every
// call authenticated. What each control plane's callers need is kept by its address: sidecars and
// gateways get a bootstrap token of their own, the CLI and test clients an admin token.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBootstrapToken } from '../../control-plane/src/identity/bootstrap-token.js';
import { trustBundleFile } from '../../control-plane/src/identity/trust-bundle-file.js';
import { createOperatorToken } from '../../control-plane/src/identity/operator-token.js';
import { writeSecretFile } from '../../shared/secret-file.js';
import { loadTokenSigningKey, type TokenSigningKey } from '../../control-plane/src/identity/token-signing-key.js';
import { tokenCredentials } from './control-plane-credentials.js';

/** The admin token's name: the author of config changes tests make through the API. */
export const TEST_ADMIN = 'test-admin';
const TOKEN_TTL_MS = 24 * 3_600_000;

export interface MeshSecurity {
  stateDir: string;
  caFile: string;
  adminToken: string;
  key: TokenSigningKey;
}

const byAddress = new Map<string, MeshSecurity>();
const madeDirs: string[] = [];
process.once('exit', () => madeDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh state dir, removed when the test process exits; give the same one to replicas that share a CA. */
export function testStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-state-'));
  madeDirs.push(dir);
  return dir;
}

/** Remembers that the control plane at `address` keeps its CA and token key in `stateDir`. */
export function rememberSecurity(address: string, stateDir: string): MeshSecurity {
  const key = loadTokenSigningKey(stateDir);
  const security = {
    stateDir,
    caFile: trustBundleFile(stateDir),
    adminToken: createOperatorToken(key, TEST_ADMIN, TOKEN_TTL_MS, Date.now()),
    key,
  };
  byAddress.set(address, security);
  return security;
}

/** What callers of the control plane(s) at `address` (host:port, or a comma-separated list) need; undefined when plaintext. */
export function securityOf(address: string): MeshSecurity | undefined {
  return byAddress.get(address.split(',')[0] ?? '');
}

/** A bootstrap token file for a workload of `service`. */
export function workloadTokenFile(security: MeshSecurity, service: string, namespace = 'default'): string {
  const file = join(security.stateDir, 'tokens', `${namespace}-${service}-${byAddress.size}-${Date.now()}.token`);
  const claims = { service, namespace, serviceAccount: service };
  writeSecretFile(file, createBootstrapToken(security.key, claims, TOKEN_TTL_MS, Date.now()));
  return file;
}

/** Credentials of an operator for the control plane at `address`: plaintext when it runs without a state dir. */
export function callerCredentials(address: string): grpc.ChannelCredentials {
  const security = securityOf(address);
  return security ? tokenCredentials(security.caFile, security.adminToken) : grpc.credentials.createInsecure();
}

/** The CLI's environment for `args` naming a --control-plane (and no credentials of their own): its CA file and the admin token. */
export function cliEnv(args: readonly string[]): Record<string, string> {
  if (args.includes('--ca-file') || args.includes('--token-file')) return {};
  const index = args.indexOf('--control-plane');
  const security = index < 0 ? undefined : securityOf(args[index + 1] ?? '');
  return security ? { PILOTFISH_CA_FILE: security.caFile, PILOTFISH_TOKEN: security.adminToken } : {};
}

/** `args` of `pilotfish sidecar|gateway` with --token-file and --ca-file added for an authenticated control plane. */
export function withProxyCredentials(args: readonly string[]): string[] {
  const index = args.indexOf('--control-plane');
  const security = index < 0 ? undefined : securityOf(args[index + 1] ?? '');
  if (!security || args.includes('--token-file') || (args[0] !== 'sidecar' && args[0] !== 'gateway')) return [...args];
  const named = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const gateway = named('--gateway')?.split('/');
  const service = args[0] === 'sidecar' ? (named('--service') ?? 'app') : (gateway?.at(-1) ?? 'ingress');
  const namespace = args[0] === 'sidecar' ? named('--namespace') : gateway?.length === 2 ? gateway[0] : undefined;
  const tokenFile = workloadTokenFile(security, service, namespace ?? 'default');
  return [...args, '--token-file', tokenFile, '--ca-file', security.caFile];
}

/** The CLI's connection flags as an operator of the control plane at `address` (for callConfig). */
export function operatorConnection(address: string): { controlPlane: string; caFile?: string; tokenFile?: string } {
  const security = securityOf(address);
  if (!security) return { controlPlane: address };
  const tokenFile = join(security.stateDir, 'tokens', `${TEST_ADMIN}.token`);
  writeSecretFile(tokenFile, security.adminToken);
  return { controlPlane: address, caFile: security.caFile, tokenFile };
}
