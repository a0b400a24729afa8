// One xDS snapshot's resources by type URL and name: the output of translate, the input of the cache.
import type { ResourceTypeUrl } from '../../../proto/xds.js';

export type ResourceSnapshot = Record<ResourceTypeUrl, Map<string, object>>;
