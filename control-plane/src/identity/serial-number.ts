// Certificate serial numbers: 128 random bits (CA/Browser Forum asks for at least 64), positive.
import { randomBytes } from 'node:crypto';

export function randomSerialNumber(): string {
  // A leading 0x01 byte keeps the DER INTEGER positive and its length fixed.
  return '01' + randomBytes(16).toString('hex');
}
