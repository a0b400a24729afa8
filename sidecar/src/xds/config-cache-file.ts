// The config cache's file format: JSON naming the format, whose config it is, when it was saved, and
// per xDS type the accepted version and its resources, each one encoded as the google.protobuf.Any
// it came in (base64), so a cached config is decoded exactly as a live response is.
import { decodeResource, encodeResource, isResourceTypeUrl, type ResourceTypeUrl } from '../../../proto/xds.js';

export interface CachedType {
  typeUrl: ResourceTypeUrl;
  version: string;
  resources: readonly object[];
}

export interface CachedConfig {
  /** Whose config this is (`namespace/service`): a cache of another service's config is not used. */
  owner: string;
  savedAt: string;
  types: readonly CachedType[];
}

const FORMAT = 'pilotfish.sidecar.config-cache/v1';

export function encodeCachedConfig(config: CachedConfig): string {
  return JSON.stringify({
    format: FORMAT,
    owner: config.owner,
    savedAt: config.savedAt,
    types: config.types.map(({ typeUrl, version, resources }) => ({
      typeUrl,
      version,
      resources: resources.map((resource) => Buffer.from(encodeResource(typeUrl, resource).any).toString('base64')),
    })),
  });
}

/** Reads a cache file's text; throws an Error saying what is wrong and where (field path). */
export function decodeCachedConfig(text: string): CachedConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`, { cause: error });
  }
  const file = record(parsed, 'the file');
  if (file.format !== FORMAT) throw new Error(`format is ${JSON.stringify(file.format)}, not "${FORMAT}"`);
  const types = file.types;
  if (!Array.isArray(types)) throw new Error('types: not a list');
  return {
    owner: stringAt(file.owner, 'owner'),
    savedAt: stringAt(file.savedAt, 'savedAt'),
    types: types.map((entry, index) => decodeType(entry, `types[${index}]`)),
  };
}

function decodeType(entry: unknown, where: string): CachedType {
  const type = record(entry, where);
  const typeUrl = stringAt(type.typeUrl, `${where}.typeUrl`);
  if (!isResourceTypeUrl(typeUrl)) throw new Error(`${where}.typeUrl: "${typeUrl}" is not a type the sidecar uses`);
  if (!Array.isArray(type.resources)) throw new Error(`${where}.resources: not a list`);
  const resources = type.resources.map((encoded, index) => {
    const at = `${where}.resources[${index}]`;
    try {
      return decodeResource({ type_url: typeUrl, any: Buffer.from(stringAt(encoded, at), 'base64') });
    } catch (error) {
      throw new Error(`${at}: not a ${typeUrl} (${(error as Error).message})`, { cause: error });
    }
  });
  return { typeUrl, version: stringAt(type.version, `${where}.version`), resources };
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: not an object`);
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: not a string`);
  return value;
}
