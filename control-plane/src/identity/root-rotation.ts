// Rotating the state dir's root with no downtime: prepare a next root (trusted, not signing), let
// every workload pick up the two-root bundle, activate it (signing; the old root stays trusted as
// previous), and retire the previous root once every leaf it signed has expired.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { readRoot, rootFiles, writeRoot } from './state-dir-ca.js';

export async function prepareRoot(stateDir: string, trustDomain: string, now: Date): Promise<void> {
  if (!existsSync(rootFiles(stateDir, 'active').certificate))
    throw new Error(`${stateDir} has no active root yet: start the control plane with --state-dir first`);
  if (readRoot(stateDir, 'next')) throw new Error(`${stateDir} already has a prepared root: activate it first`);
  if (readRoot(stateDir, 'previous'))
    throw new Error(`${stateDir} still trusts a previous root: retire it first (a bundle holds two roots)`);
  await writeRoot(stateDir, 'next', trustDomain, now);
}

export function activateRoot(stateDir: string): void {
  if (!readRoot(stateDir, 'next'))
    throw new Error(`${stateDir} has no prepared root: run \`pilotfish ca prepare\` first`);
  move(stateDir, 'active', 'previous');
  move(stateDir, 'next', 'active');
}

export function retireRoot(stateDir: string): void {
  const files = rootFiles(stateDir, 'previous');
  if (!existsSync(files.certificate)) throw new Error(`${stateDir} has no previous root to retire`);
  rmSync(files.certificate);
  rmSync(files.key, { force: true });
}

function move(stateDir: string, from: 'active' | 'next', to: 'active' | 'previous'): void {
  const source = rootFiles(stateDir, from);
  const target = rootFiles(stateDir, to);
  // The key first: a certificate is what marks a slot as taken.
  renameSync(source.key, target.key);
  renameSync(source.certificate, target.certificate);
}
