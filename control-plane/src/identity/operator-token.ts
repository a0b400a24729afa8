// Admin tokens: what an operator's CLI proves itself with to read and change the mesh's config
// (`pilotfish token create --admin NAME`); the name is the author the config history records.
import { OPERATOR_ROLE, signToken, verifyToken } from './signed-token.js';
import { segmentError } from './spiffe-id.js';
import type { TokenSigningKey } from './token-signing-key.js';

export interface OperatorIdentity {
  /** Who the token was made for: the author of the changes made with it. */
  name: string;
}

export function createOperatorToken(key: TokenSigningKey, name: string, ttlMs: number, now: number): string {
  const error = segmentError('admin name', name);
  if (error) throw new Error(error);
  return signToken(key, { sub: name, role: OPERATOR_ROLE }, ttlMs, now);
}

/** The operator behind an admin token; undefined for any other token (a workload's); throws AuthenticationError for a bad admin token. */
export function verifyOperatorToken(key: TokenSigningKey, token: string, now: number): OperatorIdentity | undefined {
  const payload = verifyToken(key, token, now);
  if (!payload || payload.role !== OPERATOR_ROLE || typeof payload.sub !== 'string') return undefined;
  return { name: payload.sub };
}
