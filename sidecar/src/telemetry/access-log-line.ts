// One access-log line builder per listener config: the JSON text around the values (braces, keys,
// literal fields) is written once when the format compiles, so a request's line is its values
// encoded and concatenated in order, with no object built and stringified per request. The bytes
// are those JSON.stringify writes for the same fields.
import type { AccessLogFormat, AccessLogValue } from './exchange.js';

/** A format field as compiled: the key and a literal text or how the value is found. */
export type AccessLogField = readonly [key: string, value: AccessLogValue | string];

// Keys an object orders first, ascending, whatever their insertion order: array indices.
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const isArrayIndex = (key: string): boolean => ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1;

/** The keys in the order JSON.stringify writes an object's, each with its last value. */
function objectOrder(fields: readonly AccessLogField[]): Array<[string, AccessLogField[1]]> {
  const byKey = new Map<string, AccessLogField[1]>();
  for (const [key, value] of fields) byKey.set(key, value);
  const entries = [...byKey];
  const indices = entries.filter(([key]) => isArrayIndex(key)).sort(([a], [b]) => Number(a) - Number(b));
  return [...indices, ...entries.filter(([key]) => !isArrayIndex(key))];
}

function encodeValue(value: string | number | null): string {
  if (value === null) return 'null';
  // JSON.stringify writes a number that is not finite as null.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value);
}

/** The line builder of a format: literal fields are folded into the fixed text between values. */
export function accessLogFormat(fields: readonly AccessLogField[]): AccessLogFormat {
  const texts: string[] = [];
  const values: AccessLogValue[] = [];
  let text = '{';
  for (const [key, value] of objectOrder(fields)) {
    text += `${text === '{' ? '' : ','}${JSON.stringify(key)}:`;
    if (typeof value === 'string') {
      text += JSON.stringify(value);
      continue;
    }
    texts.push(text);
    values.push(value);
    text = '';
  }
  const tail = `${text}}\n`;
  return {
    line(request) {
      let line = '';
      for (let index = 0; index < values.length; index++)
        line += (texts[index] as string) + encodeValue((values[index] as AccessLogValue)(request));
      return line + tail;
    },
  };
}
