// Bootstrap tokens for identity tests, made by the real `pilotfish token create`.
import assert from 'node:assert/strict';
import { runCli } from './processes.js';

/** `pilotfish token create --state-dir DIR ...flags`: the printed token. */
export async function createToken(stateDir: string, flags: string[]): Promise<string> {
  const created = await runCli(['token', 'create', '--state-dir', stateDir, ...flags]);
  assert.equal(created.code, 0, created.stderr);
  return created.stdout.trim();
}
