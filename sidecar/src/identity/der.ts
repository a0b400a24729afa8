// The few DER encodings a PKCS #10 request needs (ITU-T X.690): a tag, its length, its contents;
// and PEM, the text armour DER travels in (RFC 7468).

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: `tag` (one byte) around `contents`. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const SEQUENCE = 0x30;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
/** [0] IMPLICIT, constructed: a request's attributes. */
export const CONTEXT_0 = 0xa0;

/** `der` as PEM under `label` (CERTIFICATE REQUEST, PRIVATE KEY, …): base64 in lines of 64. */
export function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
